#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Verifies every key and certificate bundle of the shared reference and spec vectors and
# checks each verdict against the one its README gives. Skips (77) without ../shared.
set -u
OMSIG=$(realpath "$1")
here=$(cd "$(dirname "$0")/../.." && pwd)
V=${OMSIG_VECTORS:-$here/../shared/vectors}
[ -d "$V/model-transparency" ] || { echo "shared vectors not found at $V: skipping" >&2; exit 77; }
MT=$V/model-transparency
K=$MT/keys/certificate
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# name expected-exit command...
check() {
    local name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" = "$want" ] && { [ "$want" != 0 ] || grep -qx "Verification succeeded" "$tmp/out"; }; then
        pass=$((pass + 1))
        printf 'PASS %-48s exit %s %s\n' "$name" "$rc" "$(head -c 160 "$tmp/err")"
    else
        fail=$((fail + 1))
        printf 'FAIL %-48s exit %s (want %s): %s\n' "$name" "$rc" "$want" "$(cat "$tmp/err")"
    fi
}

for v in v0.2.0 v0.3.1 v1.0.0 v1.0.1 v1.1.0; do
    d=$MT/$v-certificate
    extra=()
    [ $v = v1.0.1 ] && extra=(--ignore-paths "$d/ignore-me")
    check "$v-certificate" 0 "$OMSIG" verify certificate "$d" --signature "$d/model.sig" \
        --certificate_chain "$K/ca-cert.pem" "${extra[@]}"
    # only the root is a trust anchor; the intermediate alone is a partial chain
    check "$v-certificate (intermediate only trusted)" 1 "$OMSIG" verify certificate "$d" \
        --signature "$d/model.sig" --certificate_chain "$K/int-ca-cert.pem" "${extra[@]}"
done
for v in v0.3.1 v1.0.0; do
    d=$MT/$v-elliptic-key
    check "$v-elliptic-key (single file)" 0 "$OMSIG" verify key "$d/signme-1" \
        --signature "$d/model.sig" --public_key "$K/signing-key-pub.pem"
done
for v in v1.0.1 v1.1.0; do
    d=$MT/$v-elliptic-key
    extra=()
    [ $v = v1.0.1 ] && extra=(--ignore-paths "$d/ignore-me")
    check "$v-elliptic-key" 0 "$OMSIG" verify key "$d" --signature "$d/model.sig" \
        --public_key "$K/signing-key-pub.pem" "${extra[@]}"
done
# method mismatches: each bundle given to the other method
check "v1.1.0-certificate as key" 1 "$OMSIG" verify key "$MT/v1.1.0-certificate" \
    --signature "$MT/v1.1.0-certificate/model.sig" --public_key "$K/signing-key-pub.pem"
check "v1.1.0-elliptic-key as certificate" 1 "$OMSIG" verify certificate "$MT/v1.1.0-elliptic-key" \
    --signature "$MT/v1.1.0-elliptic-key/model.sig" --certificate_chain "$K/ca-cert.pem"
# v1.0.1 without the ignore path: ignore-me is an extra file
check "v1.0.1-elliptic-key without --ignore-paths" 1 "$OMSIG" verify key "$MT/v1.0.1-elliptic-key" \
    --signature "$MT/v1.0.1-elliptic-key/model.sig" --public_key "$K/signing-key-pub.pem"

# sigstore bundles, offline against the production trust root
TR=$V/sigstore/trusted_root.production.json
ID=(--identity stefanb@us.ibm.com --identity_provider https://sigstore.verify.ibm.com/oauth2)
for v in v0.3.1 v1.0.0 v1.0.1 v1.1.0; do
    d=$MT/$v-sigstore
    extra=()
    [ $v = v1.0.1 ] && extra=(--ignore-paths "$d/ignore-me")
    check "$v-sigstore" 0 "$OMSIG" verify sigstore "$d" --signature "$d/model.sig" "${ID[@]}" --trust_config "$TR" "${extra[@]}"
done
check "v1.1.0-sigstore, wrong identity" 1 "$OMSIG" verify sigstore "$MT/v1.1.0-sigstore" --signature "$MT/v1.1.0-sigstore/model.sig" \
    --identity someone@example.com --identity_provider https://sigstore.verify.ibm.com/oauth2 --trust_config "$TR"
check "v1.1.0-sigstore, staging root" 1 "$OMSIG" verify sigstore "$MT/v1.1.0-sigstore" --signature "$MT/v1.1.0-sigstore/model.sig" \
    "${ID[@]}" --trust_config "$V/sigstore/trusted_root.staging.json"
# without --trust_config: the production root built into omsig (no sigstore-python cache here)
mkdir -p "$tmp/home"
check "v1.1.0-sigstore with the built-in trust root" 0 env HOME="$tmp/home" XDG_CACHE_HOME= "$OMSIG" verify sigstore "$MT/v1.1.0-sigstore" --signature "$MT/v1.1.0-sigstore/model.sig" "${ID[@]}"
check "v1.1.0-sigstore as key" 1 "$OMSIG" verify key "$MT/v1.1.0-sigstore" --signature "$MT/v1.1.0-sigstore/model.sig" --public_key "$K/signing-key-pub.pem"
check "oms-spec valid/sigstore (the v1.1.0 model)" 0 "$OMSIG" verify sigstore "$MT/v1.1.0-sigstore" --signature "$V/oms-spec/v1.0/valid/sigstore.bundle.json" "${ID[@]}" --trust_config "$TR"

# the OMS spec's vectors sign signme-1 = "signme-1\n", signme-2 = "signme-2", and ignore-me
S=$V/oms-spec/v1.0
m=$tmp/model
mkdir "$m"
printf 'signme-1\n' >"$m/signme-1"
printf 'signme-2' >"$m/signme-2"
: >"$m/ignore-me"
check "oms-spec valid/key" 0 "$OMSIG" verify key "$m" --signature "$S/valid/key.bundle.json" \
    --public_key "$K/signing-key-pub.pem"
check "oms-spec valid/certificate" 0 "$OMSIG" verify certificate "$m" \
    --signature "$S/valid/certificate.bundle.json" --certificate_chain "$K/ca-cert.pem"
for f in "$S"/invalid/*.json "$S"/invalid-payload/*.json; do
    n=${f#"$S/"}
    check "oms-spec $n (key)" 1 "$OMSIG" verify key "$m" --signature "$f" --public_key "$K/signing-key-pub.pem"
    check "oms-spec $n (certificate)" 1 "$OMSIG" verify certificate "$m" --signature "$f" \
        --certificate_chain "$K/ca-cert.pem"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
