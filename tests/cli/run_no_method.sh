#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A command without a method word (NVIDIA's `verify MODEL --signature SIG --certificate_chain
# cert.pem`): the method follows from the flags, a mix of two methods' flags is a usage error
# that names both, and no method flag at all is sigstore, as in model_signing.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
I=testdata/interop
N=$I/models/nested

run "verify --certificate_chain: certificate" 0 '^Verification succeeded$' \
    "$OMSIG" verify "$N" --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem
run "verify --certificate-chain: certificate" 0 '^Verification succeeded$' \
    "$OMSIG" verify "$N" --signature $I/bundles/cert-p384.sig --certificate-chain=$P/root.cert.pem
run "flags before the model" 0 '^Verification succeeded$' \
    "$OMSIG" verify --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem "$N"
run "verify --public_key: key" 0 '^Verification succeeded$' \
    "$OMSIG" verify "$N" --signature $I/bundles/key-p256.sig --public_key $P/p256.pub.pem
run "--log_fingerprints names certificate" 0 'sha256 Fingerprint' \
    "$OMSIG" verify "$N" --signature $I/bundles/cert-p384.sig --log_fingerprints --certificate_chain $P/root.cert.pem
run "the method shows in --json" 0 '"method":[[:space:]]*"certificate"' \
    "$OMSIG" verify "$N" --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem --json
run "a key bundle checked as certificate" 1 'not made with the certificate method' \
    "$OMSIG" verify "$N" --signature $I/bundles/key-p256.sig --certificate_chain $P/root.cert.pem
run "no method flag is sigstore" 2 "Missing option '--identity'" \
    "$OMSIG" verify "$N" --signature $I/bundles/key-p256.sig
tr '\n' ' ' <"$tmp/err" | grep -q "Usage: omsig verify sigstore \[OPTIONS\] MODEL_PATH Try 'omsig verify sigstore --help'" ||
    bad "usage line of the implied method: $(cat "$tmp/err")"
run "key and certificate flags" 2 "Conflicting options: '--public_key' is for the key method and '--certificate_chain' for the certificate method\\. Name the method to use: 'omsig verify key MODEL_PATH \\.\\.\\.' or 'omsig verify certificate MODEL_PATH \\.\\.\\.'\\." \
    "$OMSIG" verify "$N" --signature $I/bundles/key-p256.sig --public_key $P/p256.pub.pem --certificate_chain $P/root.cert.pem
run "key and sigstore flags" 2 "'--public-key' is for the key method and '--identity' for the sigstore method" \
    "$OMSIG" verify "$N" --signature $I/bundles/key-p256.sig --identity x --public-key=$P/p256.pub.pem
run "conflict as a JSON document" 2 '"kind":[[:space:]]*"usage"' \
    "$OMSIG" verify "$N" --signature $I/bundles/key-p256.sig --public_key $P/p256.pub.pem --use_staging --json
# a flag's value that looks like another method's flag is a value, not a flag
run "a value is not a flag" 1 'No such file or directory' \
    "$OMSIG" verify "$N" --signature --public_key --certificate_chain $P/root.cert.pem
# after "--" everything is a path
run "after -- nothing is a flag" 2 "Got unexpected extra argument \\(--public_key\\)" \
    "$OMSIG" verify --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem -- "$N" --public_key

# signing: --signing_certificate names certificate, --private_key alone key
run "sign --private_key: key" 0 '^Signing succeeded$' \
    "$OMSIG" sign "$N" --signature "$tmp/k.sig" --private_key $P/p256.key.pem
run "  and it verifies" 0 '^Verification succeeded$' \
    "$OMSIG" verify "$N" --signature "$tmp/k.sig" --public_key $P/p256.pub.pem
run "sign --signing_certificate: certificate" 0 '^Signing succeeded$' \
    "$OMSIG" sign "$N" --signature "$tmp/c.sig" --private_key $P/leaf-p256.key.pem \
    --signing_certificate $P/leaf-p256.cert.pem --certificate_chain $P/int.cert.pem
run "  and it verifies" 0 '^Verification succeeded$' \
    "$OMSIG" verify "$N" --signature "$tmp/c.sig" --certificate_chain $P/root.cert.pem
run "sign --certificate_chain without a leaf" 2 "Missing option '--signing_certificate'" \
    "$OMSIG" sign "$N" --signature "$tmp/c2.sig" --private_key $P/p256.key.pem --certificate_chain $P/int.cert.pem
run "sign without key flags is sigstore (not offered)" 2 'keyless Sigstore signing .* not offered' \
    "$OMSIG" sign "$N" --signature "$tmp/s.sig"
summary
