#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A --signing_certificate file that holds the leaf and its intermediate (in either order): the
# whole chain is embedded, leaf first, so the bundle verifies against the root alone (with
# omsig, and with model_signing where tests/.venv has it); a certificate the
# --certificate_chain files repeat is embedded once; a file without the key's certificate is
# refused with a clear message.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
N=testdata/interop/models/nested
MS=tests/.venv/bin/model_signing

# certs BUNDLE: the subjects of the embedded certificates, one line each
certs() {
    python3 - "$1" <<'PY'
import base64, json, subprocess, sys
b = json.load(open(sys.argv[1]))
for c in b["verificationMaterial"]["x509CertificateChain"]["certificates"]:
    der = base64.b64decode(c["rawBytes"])
    out = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject"], input=der,
                         capture_output=True).stdout.decode().strip()
    print(out)
PY
}
subject() { openssl x509 -in "$1" -noout -subject; }

cat $P/leaf-p256.cert.pem $P/int.cert.pem >"$tmp/leaf+int.pem"
cat $P/int.cert.pem $P/leaf-p256.cert.pem >"$tmp/int+leaf.pem"
want=$(printf '%s\n%s' "$(subject $P/leaf-p256.cert.pem)" "$(subject $P/int.cert.pem)")
for f in leaf+int int+leaf; do
    run "sign with $f.pem" 0 '^Signing succeeded$' "$OMSIG" sign certificate "$N" --signature "$tmp/$f.sig" \
        --private_key $P/leaf-p256.key.pem --signing_certificate "$tmp/$f.pem"
    [ "$(certs "$tmp/$f.sig")" = "$want" ] && ok "$f: leaf then intermediate embedded" ||
        bad "$f: embedded $(certs "$tmp/$f.sig" | tr '\n' ';')"
    run "$f: verifies against the root alone" 0 '^Verification succeeded$' \
        "$OMSIG" verify certificate "$N" --signature "$tmp/$f.sig" --certificate_chain $P/root.cert.pem
    if [ -x "$MS" ] && "$MS" --version >/dev/null 2>&1; then
        run "$f: model_signing verifies it" 0 'Verification succeeded' \
            "$MS" verify certificate "$N" --signature "$tmp/$f.sig" --certificate_chain $P/root.cert.pem
    fi
done
run "the intermediate again in --certificate_chain" 0 '^Signing succeeded$' "$OMSIG" sign certificate "$N" \
    --signature "$tmp/dup.sig" --private_key $P/leaf-p256.key.pem --signing_certificate "$tmp/leaf+int.pem" \
    --certificate_chain $P/int.cert.pem
[ "$(certs "$tmp/dup.sig")" = "$want" ] && ok "embedded once" || bad "dup: $(certs "$tmp/dup.sig" | tr '\n' ';')"
run "the leaf alone and --certificate_chain (as before)" 0 '^Signing succeeded$' "$OMSIG" sign certificate "$N" \
    --signature "$tmp/one.sig" --private_key $P/leaf-p256.key.pem --signing_certificate $P/leaf-p256.cert.pem \
    --certificate_chain $P/int.cert.pem
[ "$(certs "$tmp/one.sig")" = "$want" ] && ok "leaf alone: same chain" || bad "one: $(certs "$tmp/one.sig" | tr '\n' ';')"

run "a file without the key's certificate" 1 "The signing certificate '.*int.cert.pem' does not belong to the private key" \
    "$OMSIG" sign certificate "$N" --signature "$tmp/x.sig" --private_key $P/leaf-p256.key.pem --signing_certificate $P/int.cert.pem
cat $P/other-leaf.cert.pem $P/int.cert.pem >"$tmp/other+int.pem"
run "two certificates, neither the key's" 1 "None of the 2 certificates in '.*other\\+int.pem' belongs to the private key" \
    "$OMSIG" sign certificate "$N" --signature "$tmp/x.sig" --private_key $P/leaf-p256.key.pem --signing_certificate "$tmp/other+int.pem"
[ -e "$tmp/x.sig" ] && bad "a refused signing wrote a bundle" || ok "nothing written when refused"
run "not a certificate" 1 "Cannot load the signing certificate from" \
    "$OMSIG" sign certificate "$N" --signature "$tmp/x.sig" --private_key $P/leaf-p256.key.pem --signing_certificate $P/p256.pub.pem
summary
