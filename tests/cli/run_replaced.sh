#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A file replaced or deleted after it was hashed, while the verify still runs: the bytes hashed
# were the signed ones, but the path no longer names the file that was verified, so the verdict
# fails and names the file.  The run is stopped after each file's last byte (test hook
# OMSIG_HOOK_PAUSE_AFTER_HASH) and the model changed there: renamed over with the same bytes,
# deleted, or (a single-file model) renamed over; left alone, the verify succeeds.  Each case
# with each reader this build has.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
need_feature test-hooks
P=testdata/pki
mkdir -p "$tmp/m/sub"
head -c 100000 /dev/urandom >"$tmp/m/sub/w.bin"
head -c 3000 /dev/urandom >"$tmp/one.bin"
"$OMSIG" sign key "$tmp/m" --signature "$tmp/m.sig" --private_key $P/p256.key.pem --quiet >/dev/null || bad "sign the model"
"$OMSIG" sign key "$tmp/one.bin" --signature "$tmp/one.sig" --private_key $P/p256.key.pem --quiet >/dev/null || bad "sign the file"

# case NAME MODEL SIG CHANGE WANT_EXIT PATTERN [verify options]: verifies MODEL, runs CHANGE
# (a shell command) while the run is stopped after the hash, then lets it go on.
case_() {
    local name=$1 model=$2 sig=$3 change=$4 want=$5 pat=$6
    shift 6
    local fifo=$tmp/pause
    rm -f "$fifo" && mkfifo "$fifo"
    OMSIG_HOOK_PAUSE_AFTER_HASH=$fifo "$OMSIG" verify key "$model" --signature "$sig" \
        --public_key $P/p256.pub.pem "$@" >"$tmp/out" 2>"$tmp/err" &
    local pid=$! line=
    # the run stops once, after the model's one file is hashed (a timeout: never forever)
    read -r -t 60 line <"$fifo"
    if [ "$line" != paused ]; then
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        bad "$name: the run did not stop after the hash ($(head -c 300 "$tmp/err"))"
        return
    fi
    eval "$change"
    : >"$fifo" # go on
    wait "$pid"
    local rc=$?
    if [ "$rc" = "$want" ] && cat "$tmp/out" "$tmp/err" | grep -qE -- "$pat"; then
        ok "$name"
    else
        bad "$name (exit $rc, want $want): $(cat "$tmp/out" "$tmp/err" | head -c 600)"
    fi
}

W=$tmp/m/sub/w.bin
GONE="File '$tmp/m/sub/w.bin' was replaced \(or deleted\) while it was being verified"
for io in $(io_modes); do
    case_ "$io: left alone, the verify succeeds" "$tmp/m" "$tmp/m.sig" ":" 0 \
        '^Verification succeeded$' --io "$io"
    case_ "$io: renamed over with the same bytes" "$tmp/m" "$tmp/m.sig" \
        "cp '$W' '$W.new' && mv '$W.new' '$W'" 1 "$GONE" --io "$io"
    case_ "$io: deleted" "$tmp/m" "$tmp/m.sig" "mv '$W' '$tmp/kept' " 1 "$GONE" --io "$io"
    mv "$tmp/kept" "$W"
    case_ "$io: deleted, a directory of the same name in its place" "$tmp/m" "$tmp/m.sig" \
        "mv '$W' '$tmp/kept' && mkdir '$W'" 1 "$GONE" --io "$io"
    rmdir "$W" && mv "$tmp/kept" "$W"
    case_ "$io: a single-file model renamed over" "$tmp/one.bin" "$tmp/one.sig" \
        "cp '$tmp/one.bin' '$tmp/one.new' && mv '$tmp/one.new' '$tmp/one.bin'" 1 \
        "one.bin' was replaced \(or deleted\) while it was being verified" --io "$io"
    # the same bytes again under the same path, the model verifies as it stands
    run "$io: after the changes, the model as it stands verifies" 0 '^Verification succeeded$' \
        "$OMSIG" verify key "$tmp/m" --signature "$tmp/m.sig" --public_key $P/p256.pub.pem --io "$io"
done

# Folders that have not changed for a while are watched instead of every file's path: the
# folder's change time is read when it is listed and again after the last stream, and only a
# folder that changed has its files' paths checked (walk.h).  One model per case, all made
# before one wait, so that every folder is settled (2 s) when the verify lists it.
for io in $(io_modes); do
    for c in left renamed deleted folder added; do
        mkdir -p "$tmp/s-$io-$c/sub"
        cp "$W" "$tmp/s-$io-$c/sub/w.bin"
    done
done
"$OMSIG" sign key "$tmp/s-pread-left" --signature "$tmp/s.sig" --private_key $P/p256.key.pem \
    --quiet >/dev/null || bad "sign the settled model"
sleep 3
for io in $(io_modes); do
    S=$tmp/s-$io
    case_ "$io, settled folders: left alone, the verify succeeds" "$S-left" "$tmp/s.sig" ":" 0 \
        '^Verification succeeded$' --io "$io"
    case_ "$io, settled folders: renamed over with the same bytes" "$S-renamed" "$tmp/s.sig" \
        "cp '$S-renamed/sub/w.bin' '$S-renamed/w.new' && mv '$S-renamed/w.new' '$S-renamed/sub/w.bin'" \
        1 "File '$S-renamed/sub/w.bin' was replaced \(or deleted\)" --io "$io"
    case_ "$io, settled folders: deleted" "$S-deleted" "$tmp/s.sig" "rm '$S-deleted/sub/w.bin'" \
        1 "File '$S-deleted/sub/w.bin' was replaced \(or deleted\)" --io "$io"
    case_ "$io, settled folders: its folder replaced by a copy" "$S-folder" "$tmp/s.sig" \
        "mv '$S-folder/sub' '$S-folder/old' && cp -a '$S-folder/old' '$S-folder/sub' && rm -r '$S-folder/old'" \
        1 "File '$S-folder/sub/w.bin' was replaced \(or deleted\)" --io "$io"
    case_ "$io, settled folders: a file added beside it, the verify succeeds" "$S-added" \
        "$tmp/s.sig" "echo x >'$S-added/sub/new.txt'" 0 '^Verification succeeded$' --io "$io"
done
summary
