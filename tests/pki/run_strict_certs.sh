#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Certificates must be strict DER with extensions that decode: make_bad_certs builds a good
# chain and the same chain with one certificate (the leaf, the intermediate or the root) malformed
# in its DER and signed again by its issuer; `verify certificate` (the bundle's chain, the
# trust file) and `sign certificate` (the signing and chain files) refuse each, naming the
# certificate and what is wrong.  Leaves on secp256k1, brainpoolP256r1 and brainpoolP384r1
# verify (the digest by the key's size), and signing with them is refused, as model_signing
# does.  Where tests/.venv has model_signing, it gives the verdict cases.txt records: the same
# as omsig's, but for the intermediates' and roots' extensions, which it does not read,
# version v1 with extensions and a UTF-8 dNSName, which it takes.
set -u
OMSIG=$(realpath "$1")
GEN=$(realpath "$2")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
N=testdata/interop/models/nested
MS=tests/.venv/bin/model_signing
D=$tmp/pki
mkdir -p "$D"
have_ms=false
[ -x "$MS" ] && "$MS" --version >/dev/null 2>&1 && have_ms=true

"$GEN" "$D" certs || { bad "make_bad_certs certs"; summary; exit 1; }
run "sign with the good chain" 0 '^Signing succeeded$' "$OMSIG" sign certificate "$N" --signature "$D/good.sig" \
    --private_key "$D/leaf.key" --signing_certificate "$D/good/leaf.pem" \
    --certificate_chain "$D/good/inter.pem" --certificate_chain "$D/good/root.pem"
run "the good chain verifies" 0 '^Verification succeeded$' \
    "$OMSIG" verify certificate "$N" --signature "$D/good.sig" --certificate_chain "$D/good/root.pem"
"$GEN" "$D" bundles "$D/good.sig" || { bad "make_bad_certs bundles"; summary; exit 1; }
if $have_ms; then
    run "model_signing: the good chain verifies" 0 'Verification succeeded' \
        "$MS" verify certificate "$N" --signature "$D/good.sig" --certificate_chain "$D/good/root.pem"
fi

# where verify and sign find the malformed certificate, by its position
verify_where() {
    case $1 in
    leaf) echo "the signature's leaf certificate" ;;
    inter) echo "certificate 2 of the signature's chain" ;;
    root) echo "certificate 1 of '[^']*/root.pem'" ;;
    esac
}
sign_where() { echo "certificate 1 of '[^']*/$1.pem'"; }
# a PrintableString in a CA's subject is in its child's issuer name too, which is read first
loose() { case $1 in printable-*) echo "[^:]*" ;; *) echo "$2" ;; esac; }

n=0
while IFS='|' read -r dir pos says reference; do
    n=$((n + 1))
    c=$D/$dir
    vw=$(loose "$dir" "$(verify_where "$pos")")
    sw=$(loose "$dir" "$(sign_where "$pos")")
    run "$dir: verify refuses" 1 "Malformed certificate: $vw.*: .*$says" \
        "$OMSIG" verify certificate "$N" --signature "$c/bundle.sig" --certificate_chain "$c/root.pem"
    run "$dir: sign refuses" 1 "Malformed certificate: $sw.*: .*$says" \
        "$OMSIG" sign certificate "$N" --signature "$c/x.sig" --private_key "$D/leaf.key" \
        --signing_certificate "$c/leaf.pem" --certificate_chain "$c/inter.pem" --certificate_chain "$c/root.pem"
    [ -e "$c/x.sig" ] && bad "$dir: a refused signing wrote a bundle"
    if $have_ms; then
        "$MS" verify certificate "$N" --signature "$c/bundle.sig" --certificate_chain "$c/root.pem" \
            >"$tmp/out" 2>&1
        rc=$?
        if [ "$reference" = refuses ]; then
            [ "$rc" != 0 ] && ok "$dir: model_signing refuses it too" ||
                bad "$dir: model_signing verifies it (exit $rc): $(tail -c 300 "$tmp/out")"
        else # omsig is the stricter (see make_bad_certs.c): the record of where they differ
            [ "$rc" = 0 ] && ok "$dir: model_signing takes it (omsig is stricter here)" ||
                bad "$dir: model_signing now refuses it too (exit $rc): $(tail -c 300 "$tmp/out")"
        fi
    fi
done <"$D/cases.txt"
[ "$n" -ge 30 ] && ok "$n malformed chains" || bad "only $n malformed chains in cases.txt"

for curve in secp256k1 brainpoolP256r1 brainpoolP384r1; do
    c=$D/curve-$curve
    run "$curve leaf verifies" 0 '^Verification succeeded$' \
        "$OMSIG" verify certificate "$N" --signature "$c/bundle.sig" --certificate_chain "$D/good/root.pem"
    run "$curve leaf against another root is refused" 1 '^Verification failed' \
        "$OMSIG" verify certificate "$N" --signature "$c/bundle.sig" --certificate_chain testdata/pki/root.cert.pem
    sed 's/"sig":"M/"sig":"N/' "$c/bundle.sig" >"$c/tampered.sig"
    run "$curve leaf: a changed signature is refused" 1 'Signature is invalid' \
        "$OMSIG" verify certificate "$N" --signature "$c/tampered.sig" --certificate_chain "$D/good/root.pem"
    run "$curve: sign refuses the key, as model_signing does" 1 "Unsupported key for curve '$curve'" \
        "$OMSIG" sign certificate "$N" --signature "$c/x.sig" --private_key "$c/leaf.key" \
        --signing_certificate "$c/leaf.pem" --certificate_chain "$D/good/inter.pem"
    if $have_ms; then
        run "model_signing: $curve leaf verifies" 0 'Verification succeeded' \
            "$MS" verify certificate "$N" --signature "$c/bundle.sig" --certificate_chain "$D/good/root.pem"
        "$MS" sign certificate "$N" --signature "$c/ms.sig" --private_key "$c/leaf.key" \
            --signing_certificate "$c/leaf.pem" --certificate_chain "$D/good/inter.pem" >"$tmp/out" 2>&1
        rc=$?
        [ "$rc" != 0 ] && grep -q "Unsupported key for curve '$curve'" "$tmp/out" &&
            ok "model_signing: $curve sign refused" || bad "model_signing: $curve sign (exit $rc): $(tail -c 300 "$tmp/out")"
    fi
done
summary
