#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Descriptor limits: 1,100 top-level files under `ulimit -n 1024`, and 300 under `ulimit -n 64`,
# signed, then verified plain, with --allow_symlinks and with --ignore_unsigned_files.  No
# descriptor may leak per file (each would end in "Too many open files").
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
# shellcheck source=../lib.sh
. tests/lib.sh

limited() { # limited N cmd...: run cmd with at most N descriptors
    local n=$1
    shift
    bash -c 'ulimit -n "$0" && exec "$@"' "$n" "$@"
}

for shape in "1100 1024" "300 64"; do
    set -- $shape
    files=$1 limit=$2
    M=$tmp/m$files
    mkdir -p "$M"
    for i in $(seq 1 "$files"); do printf 'file %d\n' "$i" >"$M/f$i.txt"; done
    run "$files files, ulimit -n $limit: sign" 0 '' \
        limited "$limit" "$OMSIG" sign key "$M" --signature "$tmp/s$files.sig" --private_key "$P/p256.key.pem"
    for flag in "" --allow_symlinks --ignore_unsigned_files; do
        run "$files files, ulimit -n $limit: verify ${flag:-plain}" 0 'Verification succeeded' \
            limited "$limit" "$OMSIG" verify key "$M" --signature "$tmp/s$files.sig" \
            --public_key "$P/p256.pub.pem" $flag
    done
    run "$files files, ulimit -n $limit: digest --io pread" 0 '^sha256:' \
        limited "$limit" "$OMSIG" digest "$M" --io pread
done
summary
