#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signing: omsig signs and omsig verifies, for both methods, every curve, files and shards,
# sha256 and blake2b; a tampered copy fails; what cannot be signed honestly is refused.
# With the reference in tests/.venv (INTEROP=1), model_signing verifies the files bundles too.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
REF=$PWD/tests/.venv/bin/model_signing
if [ "${INTEROP:-0}" = 1 ] && [ ! -x "$REF" ]; then
    echo "reference model_signing not installed in tests/.venv: skipping" >&2
    exit 77
fi
# shellcheck source=../lib.sh
. tests/lib.sh
need_feature test-hooks # fault injection: OMSIG_FAULT_READ, OMSIG_LANES

# models: nested with unicode, spaces, dot-files, an empty file; a single file; ignore paths
M=$tmp/model
mkdir -p "$M/a/b" "$M/日本語" "$M/.cache" "$M/cache"
printf 'weights\n' >"$M/weights.bin"
head -c 70000 /dev/urandom >"$M/a/b/big.bin"
printf 'readme' >"$M/a/README.md"
printf 'a.md' >"$M/a.md"
: >"$M/empty.bin"
printf 'x' >"$M/.cache/x"
printf 'café' >"$M/日本語/weights café.bin"
printf 'skip me' >"$M/cache/skip"
printf 'skip me too' >"$M/notes.txt"
S=$tmp/single.bin
head -c 5000 /dev/urandom >"$S"

sign_verify() { # name method curve shape-args...
    local name=$1 method=$2 curve=$3
    shift 3
    local sig=$tmp/$name.sig sargs vargs rargs
    if [ "$method" = key ]; then
        sargs=(--private_key "$P/$curve.key.pem")
        vargs=(--public_key "$P/$curve.pub.pem")
    else
        sargs=(--private_key "$P/leaf-$curve.key.pem" --signing_certificate "$P/leaf-$curve.cert.pem" --certificate_chain "$P/chain.pem")
        vargs=(--certificate_chain "$P/root.cert.pem")
    fi
    local model=$M
    [ "${1:-}" = single ] && { model=$S; shift; }
    run "sign $name" 0 '^Signing succeeded$' "$OMSIG" sign "$method" "$model" --signature "$sig" "${sargs[@]}" "$@"
    run "verify $name" 0 '^Verification succeeded$' "$OMSIG" verify "$method" "$model" --signature "$sig" "${vargs[@]}"
    if [ "${INTEROP:-0}" = 1 ]; then
        local shape=files
        for a in "$@"; do case $a in --shard-size | --hash) shape=other ;; esac; done
        if [ $shape = files ]; then
            run "reference verifies $name" 0 'Verification succeeded' "$REF" verify "$method" "$model" --signature "$sig" "${vargs[@]}"
        fi
    fi
}

for c in p256 p384 p521; do
    sign_verify "key-$c" key $c
    sign_verify "cert-$c" certificate $c
done
sign_verify "key-shards" key p256 --shard-size 1K
sign_verify "cert-shards" certificate p384 --shard-size 4096
sign_verify "key-blake2b" key p256 --hash blake2b
sign_verify "key-blake2b-shards" key p521 --hash blake2b --shard-size 10000
sign_verify "single-file" key p256 single
sign_verify "single-file-shards" key p256 single --shard-size 1000
sign_verify "ignore-paths" key p384 --ignore-paths "$M/cache" --ignore-paths "$M/notes.txt"
sign_verify "encrypted-key" key p256 --private_key "$P/p256-enc.key.pem" --password omsig-test

# omsig's digest equals the root it signs
root=$("$OMSIG" verify key "$M" --signature "$tmp/key-p256.sig" --public_key "$P/p256.pub.pem" --json | grep -o '"root_digest":[[:space:]]*"[0-9a-f]*"' | grep -o '[0-9a-f]\{64\}')
run "digest equals the signed root" 0 "^sha256:$root\$" "$OMSIG" digest "$M"
# the recorded ignore paths let verification run without repeating them
echo changed >"$M/notes.txt"
run "recorded ignore paths" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$tmp/ignore-paths.sig" --public_key "$P/p384.pub.pem"

# a tampered copy fails for every shape
cp -a "$M" "$tmp/t"
printf 'skip me too' >"$tmp/t/notes.txt"
printf 'Z' | dd of="$tmp/t/a/b/big.bin" bs=1 seek=1500 conv=notrunc status=none
for n in key-p256 key-shards key-blake2b; do
    run "tampered copy fails ($n)" 1 'Hash mismatch' "$OMSIG" verify key "$tmp/t" --signature "$tmp/$n.sig" --public_key "$P/p256.pub.pem"
done
run "tampered copy fails (cert-p384)" 1 'Hash mismatch' "$OMSIG" verify certificate "$tmp/t" --signature "$tmp/cert-p384.sig" --certificate_chain "$P/root.cert.pem"

# signature file inside the model: ignored and recorded
run "sign with the signature inside" 0 'Signing succeeded' "$OMSIG" sign key "$M" --signature "$M/model.sig" --private_key "$P/p256.key.pem"
run "verify with the signature inside" 0 'succeeded' "$OMSIG" verify key "$M" --signature "$M/model.sig" --public_key "$P/p256.pub.pem"
grep -q '"model.sig"' <(base64 -d <<<"$(grep -o '"payload":"[^"]*"' "$M/model.sig" | cut -d'"' -f4)") &&
    ok "model.sig recorded in ignore_paths" || bad "model.sig recorded in ignore_paths"
rm "$M/model.sig"

# refusals
mkdir "$tmp/empty"
run "empty model refused" 1 'no files' "$OMSIG" sign key "$tmp/empty" --signature "$tmp/e.sig" --private_key "$P/p256.key.pem"
[ ! -e "$tmp/e.sig" ] && ok "no bundle written for a refused model" || bad "no bundle written for a refused model"
mkdir "$tmp/latin1" && printf 'x' >"$tmp/latin1/$(printf 'caf\xe9')"
run "non-UTF-8 name refused" 1 'not valid UTF-8' "$OMSIG" sign key "$tmp/latin1" --signature "$tmp/l.sig" --private_key "$P/p256.key.pem"
mkdir "$tmp/sym" && printf 'x' >"$tmp/sym/f" && ln -s f "$tmp/sym/link"
run "symlink refused" 1 'because it is a symlink' "$OMSIG" sign key "$tmp/sym" --signature "$tmp/y.sig" --private_key "$P/p256.key.pem"
run "symlink allowed" 0 'Signing succeeded' "$OMSIG" sign key "$tmp/sym" --signature "$tmp/y.sig" --private_key "$P/p256.key.pem" --allow_symlinks
run "symlink allowed verifies" 0 'succeeded' "$OMSIG" verify key "$tmp/sym" --signature "$tmp/y.sig" --public_key "$P/p256.pub.pem" --allow_symlinks
run "certificate of another key refused" 1 'does not belong to the private key' "$OMSIG" sign certificate "$M" --signature "$tmp/x.sig" --private_key "$P/leaf-p256.key.pem" --signing_certificate "$P/leaf-p384.cert.pem" --certificate_chain "$P/chain.pem"
run "RSA key refused" 1 'Only elliptic curve keys are supported' "$OMSIG" sign key "$M" --signature "$tmp/x.sig" --private_key "$P/rsa.key.pem"
run "Ed25519 key refused" 1 'Only elliptic curve keys are supported' "$OMSIG" sign key "$M" --signature "$tmp/x.sig" --private_key "$P/ed25519.key.pem"
run "secp256k1 key refused" 1 "Unsupported key for curve 'secp256k1'" "$OMSIG" sign key "$M" --signature "$tmp/x.sig" --private_key "$P/k256.key.pem"
run "encrypted key without password" 1 'Password was not given but private key is encrypted' "$OMSIG" sign key "$M" --signature "$tmp/x.sig" --private_key "$P/p256-enc.key.pem"
run "encrypted key, wrong password" 1 'password' "$OMSIG" sign key "$M" --signature "$tmp/x.sig" --private_key "$P/p256-enc.key.pem" --password nope
run "bad --shard-size" 2 "Invalid value for '--shard-size'" "$OMSIG" sign key "$M" --signature "$tmp/x.sig" --private_key "$P/p256.key.pem" --shard-size 0
run "sign certificate without leaf" 2 "Missing option '--signing_certificate'" "$OMSIG" sign certificate "$M" --signature "$tmp/x.sig" --private_key "$P/p256.key.pem"
# a file that changes while it is hashed: signing fails and writes nothing
cp -a "$M" "$tmp/chg"
env OMSIG_FAULT_READ=stall:a/b/big.bin OMSIG_LANES=1 "$OMSIG" sign key "$tmp/chg" --signature "$tmp/chg.sig" \
    --private_key "$P/p256.key.pem" --threads 1 >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 1
printf 'changed' >>"$tmp/chg/a/b/big.bin"
wait $pid
rc=$?
if [ $rc = 1 ] && grep -q "changed while it was being hashed" "$tmp/err" && [ ! -e "$tmp/chg.sig" ]; then
    ok "file changed while signing refused, nothing written"
else
    bad "file changed while signing refused, nothing written (exit $rc)"
fi
# a failed signing leaves the previous signature as it was
cp "$tmp/key-p256.sig" "$tmp/keep.sig"
run "failed signing keeps the old bundle" 1 '' "$OMSIG" sign key "$tmp/empty" --signature "$tmp/keep.sig" --private_key "$P/p256.key.pem"
cmp -s "$tmp/keep.sig" "$tmp/key-p256.sig" && ok "old bundle untouched" || bad "old bundle untouched"
ls "$tmp"/*.tmp* >/dev/null 2>&1 && bad "temporary files left behind" || ok "no temporary files left behind"
mkdir "$tmp/ro" && chmod 555 "$tmp/ro"
if [ "$(id -u)" != 0 ]; then
    run "unwritable signature directory" 1 'Cannot write the signature' "$OMSIG" sign key "$M" --signature "$tmp/ro/x.sig" --private_key "$P/p256.key.pem"
fi
summary
