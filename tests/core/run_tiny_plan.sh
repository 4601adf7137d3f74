#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A tiny plan (a few files of a few MB) is hashed on the caller's thread with plain reads, and
# --json's engine_reason says so; a larger plan, more threads asked for, io_uring asked for,
# or a GPU asked for keep the usual engines.  Verdicts are the same either way: a tampered
# tiny model still fails, naming the file.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=$PWD/testdata/pki
M=testdata/interop/models/nested
S=testdata/interop/bundles/nested.sig
one='one thread, the caller.s, with plain reads'

run "sample: verified on the caller's thread" 0 "\"engine_reason\":.*$one" \
    "$OMSIG" --json verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem"
run "sample: read with pread" 0 'debug: reader: pread' \
    "$OMSIG" --log-level DEBUG verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem"
run "sample with --hasher cpu: the same, and says it was asked for" 0 "$one.*asked for" \
    "$OMSIG" --json verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem" --hasher cpu
run "sample with --threads 2: worker threads" 0 '"engine_reason":[[:space:]]*"cpu: too few streams' \
    "$OMSIG" --json verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem" --threads 2
if has_feature io_uring; then
    run "sample with --io uring: the io_uring reader" 0 'debug: reader: io_uring' \
        "$OMSIG" --log-level DEBUG verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem" --io uring
fi

# a small model signed here: tampered, it fails on the one-thread path naming the file
T=$tmp/tiny
mkdir -p "$T/sub"
head -c 3000 /dev/urandom >"$T/a.bin"
head -c 100 /dev/urandom >"$T/sub/b.bin"
: >"$T/empty"
run "small model signed" 0 "" "$OMSIG" sign key "$T" --signature "$tmp/t.sig" --private_key "$P/p256.key.pem"
run "small model verifies on one thread" 0 "$one" \
    "$OMSIG" --json verify key "$T" --signature "$tmp/t.sig" --public_key "$P/p256.pub.pem"
printf x | dd of="$T/sub/b.bin" bs=1 seek=7 conv=notrunc status=none
run "tampered small model fails on one thread, naming the file" 1 'sub/b.bin' \
    "$OMSIG" verify key "$T" --signature "$tmp/t.sig" --public_key "$P/p256.pub.pem"
for h in blake2b blake3; do
    run "small model, $h: digest on one thread equals --threads 2" 0 "" \
        bash -c "[ \"\$('$OMSIG' digest '$T' --hash $h)\" = \"\$('$OMSIG' digest '$T' --hash $h --threads 2)\" ]"
done

# above the limit (4 MiB): the usual workers
B=$tmp/big
mkdir -p "$B"
head -c $((5 << 20)) /dev/urandom >"$B/w.bin"
run "5 MiB model signed" 0 "" "$OMSIG" sign key "$B" --signature "$tmp/b.sig" --private_key "$P/p256.key.pem"
run "5 MiB model: not the one-thread path" 0 '"engine_reason":[[:space:]]*"cpu: too few streams' \
    "$OMSIG" --json verify key "$B" --signature "$tmp/b.sig" --public_key "$P/p256.pub.pem"
summary
