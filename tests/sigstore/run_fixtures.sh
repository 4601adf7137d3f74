#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The sigstore checks from the repository alone: make the project's own Sigstore instance
# (tests/sigstore/make_fixtures.c: Fulcio-like CA, CT log, Rekor, TSA; fresh keys every run,
# none on disk after it), derive the one-change cases from its bundles (gen_cases.py), run
# every check of test_sigstore on them, and verify the signed models with the command line.
# With INTEROP=1 and model_signing in tests/.venv, model_signing must accept the same bundles
# with the same trust root (as a ClientTrustConfig, the only form its --trust_config takes),
# and give the verdict omsig gives on every case.
# Usage: run_fixtures.sh OMSIG SIGSTORE_FIXTURES TEST_SIGSTORE
set -u
OMSIG=$(realpath "$1")
FIXTURES=$(realpath "$2")
TEST_SIGSTORE=$(realpath "$3")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
command -v python3 >/dev/null || { echo "SKIP: no python3 to derive the cases"; exit 77; }
PY=tests/.venv/bin/python
if [ "${INTEROP:-0}" = 1 ] && ! { [ -x "$PY" ] && "$PY" -c 'import model_signing' 2>/dev/null; }; then
    echo "SKIP: no model_signing in tests/.venv"
    exit 77
fi

F=$tmp/fixtures
"$FIXTURES" "$F" || { echo "FAIL: sigstore_fixtures"; exit 1; }
ID=$(sed -n 1p "$F/identity") ISS=$(sed -n 2p "$F/identity") URI=$(sed -n 3p "$F/identity")
ROOT=$F/vectors/sigstore/trusted_root.production.json
STAGING=$F/vectors/sigstore/trusted_root.staging.json
V100=$F/vectors/model-transparency/v1.0.0-sigstore
V110=$F/vectors/model-transparency/v1.1.0-sigstore
# wrap ROOT OUT: the trusted root as a ClientTrustConfig
wrap() {
    python3 - "$1" "$2" <<'EOF' || bad "cannot wrap $1"
import json, sys
json.dump({"mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
           "trustedRoot": json.load(open(sys.argv[1])),
           "signingConfig": {"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json"}},
          open(sys.argv[2], "w"))
EOF
}
CTC=$tmp/client_trust_config.json CTC_STAGING=$tmp/client_trust_config.staging.json
wrap "$ROOT" "$CTC"
wrap "$STAGING" "$CTC_STAGING"
mkdir -p "$tmp/cases"
run "gen_cases.py derives the cases" 0 '^wrote [0-9]+ cases' \
    python3 tests/sigstore/gen_cases.py "$F" "$tmp/cases" "$ID" "$ISS"

# Bundles only the holder of the keys can make, each wrong in one way (make_fixtures.c):
# name, then our message and the reference's (model_signing 1.1.1 words the expired chain
# with its X.509 library's text, and prints the checkpoint's message as a tuple).
EXTRA=(
    "no-sct|failed to verify SCT on signing certificate: Certificate does not contain a signed certificate timestamp extension|same"
    "sct-other-log|failed to verify SCT on signing certificate: SCT verify failed: keyring: invalid signature|same"
    "no-code-signing|Extended usage does not contain .code signing.|same"
    "integrated-after-expiry|failed to build timestamp certificate chain: certificate has expired|failed to build timestamp certificate chain: validation failed"
    "tsa-other-authority|not enough sources of verified time|same"
    "checkpoint-other-root|invalid log entry: Inclusion proof contains invalid root hash signature|invalid log entry: .*Inclusion proof contains invalid root hash signature"
    "no-issuer|Certificate does not contain OIDCIssuer \\(1\\.3\\.6\\.1\\.4\\.1\\.57264\\.1\\.1\\) extension|same"
    "key-agreement|Key usage is not of type .digital signature.|same"
)

if [ "${INTEROP:-0}" = 1 ]; then
    # model_signing 1.1.1 reads the OIDC issuer from 1.3.6.1.4.1.57264.1.1 only, so the
    # uri-identity bundle (57264.1.8 alone, as newer Fulcio leaves) is not asked of it.
    # ms MODEL BUNDLE [IDENTITY ISSUER TRUST_CONFIG]
    ms() { "$PY" -m model_signing verify sigstore "$1" --signature "$2" --identity "${3:-$ID}" \
           --identity_provider "${4:-$ISS}" --trust_config "${5:-$CTC}" --ignore-paths "$1/model.sig"; }
    run "model_signing: promise only" 0 'Verification succeeded' ms "$V100" "$V100/model.sig"
    run "model_signing: promise and RFC 3161" 0 'Verification succeeded' ms "$V110" "$V110/model.sig"
    run "model_signing: Rekor v2 (hashedrekord 0.0.2)" 0 'Verification succeeded' ms "$F/rekor-v2" "$F/rekor-v2/model.sig"
    # every case of the table: the verdict that test_sigstore asks of omsig
    while IFS=$'\t' read -r name bundle trust ident iss expected; do
        bundle=${bundle/\$SHARED/$F}
        bundle=${bundle/\$CASES/$tmp/cases}
        model=$V100
        case $name in valid-tsa* | tsa-*) model=$V110 ;; esac
        ctc=$CTC
        [ "$trust" = staging ] && ctc=$CTC_STAGING
        if [ "$expected" = OK ]; then
            run "model_signing: $name" 0 'Verification succeeded' ms "$model" "$bundle" "$ident" "$iss" "$ctc"
        else
            run "model_signing: $name" 1 'Verification failed' ms "$model" "$bundle" "$ident" "$iss" "$ctc"
        fi
    done < <(grep -v '^#' "$tmp/cases/cases.tsv")
    for x in "${EXTRA[@]}"; do
        IFS='|' read -r name ours theirs <<<"$x"
        [ "$theirs" = same ] && theirs=$ours
        run "model_signing: $name" 1 "Verification failed with error: $theirs" ms "$F/extra/$name" "$F/extra/$name/model.sig"
    done
    summary
    exit
fi

run "test_sigstore on the project's instance" 0 '' \
    "$TEST_SIGSTORE" "$PWD" "$F" "$tmp/cases" "$ID" "$ISS"
grep -q '^FAIL' "$tmp/out" && bad "a case failed: $(grep '^FAIL' "$tmp/out" | head -3)"
n=$(grep -c '^ok ' "$tmp/out")
[ "$n" -ge 35 ] && ok "test_sigstore ran $n checks" || bad "test_sigstore ran only $n checks: $(head -c 600 "$tmp/err")"

# the command line, whole models
v() { "$OMSIG" verify sigstore "$@"; }
run "verify: promise only" 0 '^Verification succeeded$' v "$V100" --signature "$V100/model.sig" \
    --identity "$ID" --identity_provider "$ISS" --trust_config "$ROOT"
run "verify: promise and RFC 3161" 0 '^Verification succeeded$' v "$V110" --signature "$V110/model.sig" \
    --identity "$ID" --identity_provider "$ISS" --trust_config "$ROOT"
run "verify: RFC 3161 time only" 0 '^Verification succeeded$' v "$V110" --signature "$tmp/cases/valid-tsa-time-only.sig" \
    --identity "$ID" --identity_provider "$ISS" --trust_config "$ROOT"
run "verify: Rekor v2 (hashedrekord 0.0.2)" 0 '^Verification succeeded$' v "$F/rekor-v2" --signature "$F/rekor-v2/model.sig" \
    --identity "$ID" --identity_provider "$ISS" --trust_config "$ROOT"
run "verify: a ClientTrustConfig" 0 '^Verification succeeded$' v "$V100" --signature "$V100/model.sig" \
    --identity "$ID" --identity_provider "$ISS" --trust_config "$CTC"
run "verify --json names the trust root" 0 '"trust_root_source":[[:space:]]*"trust_config"' \
    v "$V100" --signature "$V100/model.sig" --identity "$ID" --identity_provider "$ISS" --trust_config "$ROOT" --json
run "verify: a URI SAN, issuer in 57264.1.8 only" 0 '^Verification succeeded$' v "$F/uri-identity" \
    --signature "$F/uri-identity/model.sig" --identity "$URI" --identity_provider "$ISS" --trust_config "$ROOT"
run "verify: another URI" 1 "Certificate's SANs do not match https://github.com/omsig-test/models/x" \
    v "$F/uri-identity" --signature "$F/uri-identity/model.sig" --identity https://github.com/omsig-test/models/x \
    --identity_provider "$ISS" --trust_config "$ROOT"
run "verify: another issuer (57264.1.8)" 1 "Certificate's OIDCIssuerV2 does not match" \
    v "$F/uri-identity" --signature "$F/uri-identity/model.sig" --identity "$URI" \
    --identity_provider https://accounts.google.com --trust_config "$ROOT"
run "verify: the other instance's root" 1 'unable to get local issuer certificate' \
    v "$V100" --signature "$V100/model.sig" --identity "$ID" --identity_provider "$ISS" --trust_config "$STAGING"
for x in "${EXTRA[@]}"; do
    IFS='|' read -r name ours _ <<<"$x"
    run "verify: $name" 1 "^Verification failed with error: $ours" v "$F/extra/$name" \
        --signature "$F/extra/$name/model.sig" --identity "$ID" --identity_provider "$ISS" --trust_config "$ROOT"
done
run "verify key on a sigstore bundle" 1 '' "$OMSIG" verify key "$V100" --signature "$V100/model.sig" \
    --public_key testdata/pki/p256.pub.pem
cp -r "$V100" "$tmp/changed" && printf 'signme-X' >"$tmp/changed/signme-1"
run "verify: a model file changed after signing" 1 'signme-1' v "$tmp/changed" --signature "$V100/model.sig" \
    --identity "$ID" --identity_provider "$ISS" --trust_config "$ROOT"
summary
