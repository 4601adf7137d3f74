#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile model trees and failing reads: each case prints one row (case, exit code, message)
# and must give the expected exit code and message. With io_uring and with pread.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
pass=0 fail=0
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/omsig-trees.XXXXXX")
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
has_feature() { "$OMSIG" --version 2>/dev/null | grep -qE "^features:.*\b$1\b"; }
if ! has_feature test-hooks; then # fault injection: OMSIG_FAULT_READ, OMSIG_LANES
    echo "SKIP: this omsig was built without test-hooks"
    exit 77
fi
io_modes() { if has_feature io_uring; then echo "uring pread"; else echo "pread"; fi; }

# row NAME WANT_EXIT PATTERN cmd... : runs, prints "| case | exit | message |", checks
row() {
    local name=$1 want=$2 pat=$3
    shift 3
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    local msg
    msg=$(grep -v '^Verification succeeded$' "$tmp/err" | head -c 200 | tr '\n' ' ')
    [ -z "$msg" ] && msg=$(head -c 200 "$tmp/out" | tr '\n' ' ')
    if [ "$rc" = "$want" ] && grep -qE -- "$pat" "$tmp/out" "$tmp/err"; then
        pass=$((pass + 1))
        printf '| %s | %s | %s |\n' "$name" "$rc" "$msg"
    else
        fail=$((fail + 1))
        printf '| FAIL %s | %s (want %s) | %s |\n' "$name" "$rc" "$want" "$msg"
    fi
}

fresh() { # a model of three files and its key bundle
    rm -rf "$tmp/m" && mkdir -p "$tmp/m/d"
    head -c 3000000 /dev/zero | tr '\0' 'a' >"$tmp/m/d/big.bin"
    printf 'small' >"$tmp/m/d/small.bin"
    head -c 4000000 /dev/zero | tr '\0' 't' >"$tmp/m/top.bin"
    "$OMSIG" sign key "$tmp/m" --signature "$tmp/m.sig" --private_key "$P/p256.key.pem" >/dev/null
}
V=(verify key "$tmp/m" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem")
echo "| case | exit | message |"
echo "|---|---|---|"
printf 'secret\n' >"$tmp/secret.txt"

fresh
ln -s "$tmp/secret.txt" "$tmp/m/evil"
row "symlink to a file outside" 1 'because it is a symlink' "$OMSIG" "${V[@]}"
row "same, --allow_symlinks (not signed: extra)" 1 "Extra files found.*evil" "$OMSIG" "${V[@]}" --allow_symlinks
"$OMSIG" sign key "$tmp/m" --signature "$tmp/ms.sig" --private_key "$P/p256.key.pem" --allow_symlinks >/dev/null 2>&1
row "same, signed and verified with --allow_symlinks" 0 "points outside the model" "$OMSIG" verify key "$tmp/m" --signature "$tmp/ms.sig" --public_key "$P/p256.pub.pem" --allow_symlinks
rm "$tmp/m/evil"
ln -s "$tmp" "$tmp/m/evildir"
row "symlink to a directory outside" 1 'because it is a symlink' "$OMSIG" "${V[@]}"
row "same, --allow_symlinks (listed, not entered)" 0 'succeeded' "$OMSIG" "${V[@]}" --allow_symlinks
rm "$tmp/m/evildir"
ln -s loop "$tmp/m/loop"
row "symlink loop" 1 'because it is a symlink' "$OMSIG" "${V[@]}"
row "symlink loop, --allow_symlinks" 1 "Cannot use '.*loop' as file or directory" "$OMSIG" "${V[@]}" --allow_symlinks
rm "$tmp/m/loop"
ln -s nowhere "$tmp/m/dangling"
row "dangling symlink, --allow_symlinks" 1 "Cannot use '.*dangling' as file or directory" "$OMSIG" "${V[@]}" --allow_symlinks
rm "$tmp/m/dangling"
mkfifo "$tmp/m/fifo"
row "FIFO" 1 "Cannot use '.*fifo' as file or directory" timeout 20 "$OMSIG" "${V[@]}"
rm "$tmp/m/fifo"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$tmp/m/sock"
row "socket" 1 "Cannot use '.*sock' as file or directory" "$OMSIG" "${V[@]}"
rm "$tmp/m/sock"
if mknod "$tmp/m/null" c 1 3 2>/dev/null; then
    row "character device node" 1 "Cannot use '.*null' as file or directory" timeout 20 "$OMSIG" "${V[@]}"
    rm "$tmp/m/null"
fi
if [ "$(id -u)" != 0 ]; then
    chmod 000 "$tmp/m/top.bin"
    row "unreadable file" 1 "\[Errno 13\] Permission denied: '.*top.bin'" "$OMSIG" "${V[@]}"
    chmod 644 "$tmp/m/top.bin"
else
    row "unreadable file (EACCES injected, as root)" 1 "Cannot read '.*top.bin': Permission denied" env OMSIG_FAULT_READ=13:top.bin "$OMSIG" "${V[@]}"
fi
ln -s "$tmp/m" "$tmp/mlink"
row "model path is a symlink" 1 'because it is a symlink' "$OMSIG" verify key "$tmp/mlink" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem"

# a directory swapped for a symlink to elsewhere between listing and reading
fresh
mkdir -p "$tmp/elsewhere" && cp "$tmp/m/d/small.bin" "$tmp/elsewhere/small.bin" && cp "$tmp/m/d/big.bin" "$tmp/elsewhere/big.bin"
# top.bin is the longest, so it is claimed first; one stream at a time, so d/ is opened later
env OMSIG_FAULT_READ=stall:top.bin OMSIG_LANES=1 "$OMSIG" "${V[@]}" --threads 1 --io pread >"$tmp/o2" 2>"$tmp/e2" &
pid=$!
sleep 1
mv "$tmp/m/d" "$tmp/d.moved" && ln -s "$tmp/elsewhere" "$tmp/m/d"
wait $pid
rc=$?
if [ $rc = 1 ] && grep -qE "Cannot read '.*d/big.bin': Too many levels of symbolic links" "$tmp/e2"; then
    pass=$((pass + 1)); printf '| %s | %s | %s |\n' "directory swapped for a symlink while hashing" $rc "$(head -c 200 "$tmp/e2")"
else
    fail=$((fail + 1)); printf '| FAIL %s | %s | %s |\n' "directory swapped for a symlink while hashing" $rc "$(head -c 200 "$tmp/e2")"
fi

for io in $(io_modes); do
    fresh
    row "EIO on a read ($io)" 1 "Cannot read '.*big.bin': Input/output error" env OMSIG_FAULT_READ=5:d/big.bin "$OMSIG" "${V[@]}" --io $io
    row "every read short ($io)" 0 'succeeded' env OMSIG_FAULT_READ=short:d/big.bin "$OMSIG" "${V[@]}" --io $io
    row "ENOSPC-like error: EOVERFLOW ($io)" 1 "Cannot read '.*small.bin'" env OMSIG_FAULT_READ=75:d/small.bin "$OMSIG" "${V[@]}" --io $io
    for change in truncated rewritten appended; do
        fresh
        env OMSIG_FAULT_READ=stall:d/big.bin OMSIG_LANES=1 "$OMSIG" "${V[@]}" --io $io --threads 1 >"$tmp/o3" 2>"$tmp/e3" &
        pid=$!
        sleep 1
        case $change in
        truncated) truncate -s 1000 "$tmp/m/d/big.bin" ;;
        rewritten) printf 'b' | dd of="$tmp/m/d/big.bin" bs=1 seek=10 conv=notrunc status=none ;;
        appended) printf 'more' >>"$tmp/m/d/big.bin" ;;
        esac
        wait $pid
        rc=$?
        if [ $rc = 1 ] && grep -qE "File '.*big.bin' changed while it was being hashed" "$tmp/e3"; then
            pass=$((pass + 1)); printf '| %s | %s | %s |\n' "file ${change} while hashed ($io)" $rc "$(head -c 200 "$tmp/e3")"
        else
            fail=$((fail + 1)); printf '| FAIL %s | %s | %s |\n' "file ${change} while hashed ($io)" $rc "$(head -c 200 "$tmp/e3")"
        fi
    done
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
