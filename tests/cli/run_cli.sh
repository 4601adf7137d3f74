#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The omsig command line and the model-tree rules: usage errors, both flag spellings, JSON,
# the project PKI's negative cases, symlinks, special files and unsupported keys.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=testdata/pki
I=testdata/interop
# shellcheck source=../lib.sh
. tests/lib.sh

N=$I/models/nested
KB=$I/bundles/key-p256.sig
run "version" 0 '^omsig, version [0-9]' "$OMSIG" --version
run "help" 0 'verify key' "$OMSIG" --help
run "verify key help" 0 '--public-key' "$OMSIG" verify key --help
run "no arguments" 2 'Usage' "$OMSIG"
run "unknown command" 2 'No such command' "$OMSIG" frobnicate
run "unknown option" 2 "No such option '--bogus'\\.$" "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --bogus
run "missing --signature" 2 "Missing option '--signature'" "$OMSIG" verify key "$N" --public_key $P/p256.pub.pem
run "missing --public-key" 2 "Missing option '--public_key'" "$OMSIG" verify key "$N" --signature "$KB"
run "missing model" 2 "Missing argument 'MODEL_PATH'" "$OMSIG" verify key --signature "$KB" --public_key $P/p256.pub.pem
run "option without value" 2 'requires an argument' "$OMSIG" verify key "$N" --signature
run "bad --hasher" 2 "Invalid value for '--hasher'" "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --hasher tpu
run "underscore spelling" 0 '^Verification succeeded$' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem
run "hyphen spelling" 0 '^Verification succeeded$' "$OMSIG" verify key "$N" --signature "$KB" --public-key $P/p256.pub.pem
run "--opt=value form" 0 '^Verification succeeded$' "$OMSIG" verify key "$N" --signature="$KB" --public-key=$P/p256.pub.pem
run "certificate_chain spelling" 0 'succeeded' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem
run "certificate-chain spelling" 0 'succeeded' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-p384.sig --certificate-chain $P/root.cert.pem
run "chain given twice" 0 'succeeded' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-p384.sig --certificate-chain $P/other-root.cert.pem --certificate-chain $P/root.cert.pem
run "json report" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --json
run "json root digest" 0 '"root_digest":[[:space:]]*"53cf394b' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --json
run "--hasher cpu" 0 'succeeded' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --hasher cpu --threads 1
if "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --hasher gpu >/dev/null 2>&1; then
    echo "SKIP --hasher gpu without a GPU (a GPU is here)"
else
    run "--hasher gpu without a GPU" 1 'GPU hashing is not available' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --hasher gpu
fi
run "digest" 0 '^sha256:53cf394b29a12fec2dbf57e9ae776a2275c90e5f2759cfce4d25f08421732395$' "$OMSIG" digest "$N"
run "digest of a missing path" 1 '^Computing digest failed: Cannot use' "$OMSIG" digest "$tmp/nope"
run "missing signature file" 1 'No such file or directory' "$OMSIG" verify key "$N" --signature "$tmp/nope.sig" --public_key $P/p256.pub.pem
run "signature is a directory" 1 'Is a directory' "$OMSIG" verify key "$N" --signature "$tmp" --public_key $P/p256.pub.pem
run "missing public key" 1 'No such file or directory' "$OMSIG" verify key "$N" --signature "$KB" --public_key "$tmp/nope.pem"
run "public key file is not a key" 1 'Cannot load public key' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/root.cert.pem

# keys the format does not allow
run "RSA public key" 1 'Only elliptic curve keys are supported' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/rsa.pub.pem
run "Ed25519 public key" 1 'Only elliptic curve keys are supported' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/ed25519.pub.pem
run "secp256k1 public key" 1 "Unsupported key for curve 'secp256k1'" "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/k256.pub.pem

# the project PKI's negative cases
run "wrong key (other curve)" 1 'Key mismatch' "$OMSIG" verify key "$N" --signature "$KB" --public_key $P/p384.pub.pem
run "wrong root" 1 'unable to get local issuer certificate' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-p256.sig --certificate_chain $P/other-root.cert.pem
run "leaf from another root" 1 'self-signed certificate in certificate chain' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-other-root.sig --certificate_chain $P/root.cert.pem
run "leaf without signing usage" 1 'Signing certificate cannot be used for signing' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-nousage.sig --certificate_chain $P/root.cert.pem
run "expired leaf at its notBefore (--verify-time signing, the reference rule)" 0 'succeeded' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-expired.sig --certificate_chain $P/root.cert.pem --verify-time signing
run "expired leaf (checked now by default)" 1 'certificate has expired' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-expired.sig --certificate_chain $P/root.cert.pem
run "expired leaf with --verify-time now" 1 'certificate has expired' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-expired.sig --certificate_chain $P/root.cert.pem --verify-time now
run "chain file without certificates" 1 'No certificates found' "$OMSIG" verify certificate "$N" --signature $I/bundles/cert-p256.sig --certificate_chain $P/p256.pub.pem
run "key bundle to verify certificate" 1 'not made with the certificate method' "$OMSIG" verify certificate "$N" --signature "$KB" --certificate_chain $P/root.cert.pem
run "certificate bundle to verify key" 1 'not made with the key method' "$OMSIG" verify key "$N" --signature $I/bundles/cert-p256.sig --public_key $P/p256.pub.pem

# a copy of the nested model to change
cp -a "$N" "$tmp/m"
M=$tmp/m
run "copy verifies" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
echo x >>"$M/a.md"
run "tampered file" 1 "Hash mismatch for 'a.md'" "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
run "tampered file in JSON" 1 '"kind":[[:space:]]*"mismatch"' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --json
rm -rf "$M" && cp -a "$N" "$M"
echo injected >"$M/injected.bin"
run "extra file" 1 "Extra files found in model 'm': injected.bin" "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
run "extra file with --ignore_unsigned_files" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --ignore_unsigned_files
run "extra file with --ignore-paths" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --ignore-paths "$M/injected.bin"
rm "$M/injected.bin" "$M/a.md"
run "missing file" 1 "Missing files in model 'm': a.md" "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
run "missing file with --ignore_unsigned_files" 1 "Cannot use '.*a.md' as file or directory" "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --ignore_unsigned_files
rm -rf "$M" && cp -a "$N" "$M"
mkdir -p "$M/.git" && echo ref >"$M/.git/HEAD"
run "top-level .git ignored" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
# the bundle records .git among its ignore paths, so only digest shows the flag's effect
run "digest ignores .git" 0 '^sha256:53cf394b' "$OMSIG" digest "$M"
run "digest --no-ignore-git-paths counts .git" 0 '^sha256:' "$OMSIG" digest "$M" --no-ignore-git-paths
if grep -q 53cf394b "$tmp/out"; then bad "--no-ignore-git-paths changed nothing"; fi
mkdir -p "$M/a/.git" && echo ref >"$M/a/.git/HEAD"
run "nested .git is not ignored" 1 'Extra files found.*a/\.git/HEAD' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
rm -rf "$M" && cp -a "$N" "$M"
cp "$KB" "$M/model.sig"
run "signature inside the model is ignored" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$M/model.sig" --public_key $P/p256.pub.pem
rm "$M/model.sig"

# symlinks and special files
echo outside >"$tmp/outside.txt"
ln -s "$tmp/outside.txt" "$M/link.txt"
run "symlink refused" 1 "Cannot use '.*link.txt' because it is a symlink" "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
run "symlink allowed is an extra file" 1 'Extra files found.*link.txt' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --allow_symlinks
rm "$M/link.txt"
ln -s "$tmp" "$M/linkdir"
run "symlinked directory refused" 1 'because it is a symlink' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
run "symlinked directory allowed is not entered" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --allow_symlinks
rm "$M/linkdir"
ln -s "$M/loop" "$M/loop"
run "symlink loop refused" 1 'because it is a symlink' "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
run "symlink loop allowed" 1 "Cannot use '.*loop' as file or directory" "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --allow_symlinks
rm "$M/loop"
mkfifo "$M/fifo"
run "FIFO refused" 1 "Cannot use '.*fifo' as file or directory" timeout 10 "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
run "FIFO refused with --ignore_unsigned_files" 0 'succeeded' timeout 10 "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --ignore_unsigned_files
rm "$M/fifo"
ln -s "$M" "$tmp/mlink"
run "model path is a symlink" 1 'because it is a symlink' "$OMSIG" verify key "$tmp/mlink" --signature "$KB" --public_key $P/p256.pub.pem
run "model path is a symlink, allowed" 0 'succeeded' "$OMSIG" verify key "$tmp/mlink" --signature "$KB" --public_key $P/p256.pub.pem --allow_symlinks
if [ "$(id -u)" != 0 ]; then
    chmod 000 "$M/a.md"
    run "unreadable file" 1 "Cannot read '.*a.md'" "$OMSIG" verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
    chmod 644 "$M/a.md"
fi

# single-file model: the resource is "." (reference); verifying its directory fails
run "single-file model" 0 'succeeded' "$OMSIG" verify key $I/models/single/model.bin --signature $I/bundles/single.sig --public_key $P/p256.pub.pem
run "single-file bundle against the directory" 1 "Missing files in model 'single': \." "$OMSIG" verify key $I/models/single --signature $I/bundles/single.sig --public_key $P/p256.pub.pem

# shards and blake2b manifests (signed by the hostile corpus generator) verify, as the bundle says
H=testdata/hostile
if [ -f $H/valid-shards.json ]; then
    run "shards manifest" 0 'succeeded' "$OMSIG" verify key $H/model --signature $H/valid-shards.json --public_key $H/key.pub.pem
    run "blake2b manifest" 0 'succeeded' "$OMSIG" verify key $H/model --signature $H/valid-blake2b.json --public_key $H/key.pub.pem
    cp -a $H/model "$tmp/h"
    printf 'X' | dd of="$tmp/h/weights.bin" bs=1 seek=3 conv=notrunc status=none
    run "shards manifest, tampered" 1 'Hash mismatch for .weights.bin:0:' "$OMSIG" verify key "$tmp/h" --signature $H/valid-shards.json --public_key $H/key.pub.pem
    run "blake2b manifest, tampered" 1 'Hash mismatch for .+weights.bin' "$OMSIG" verify key "$tmp/h" --signature $H/valid-blake2b.json --public_key $H/key.pub.pem
fi
summary
