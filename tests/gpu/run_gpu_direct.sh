#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# O_DIRECT on the GPU path, through the CLI built against the stand-in runtime: with
# OMSIG_FORCE_DIRECT (a test hook: the cache's answer skipped) the long streams' aligned jobs
# are read through an O_DIRECT descriptor where the file system allows it (seen with strace
# where it is installed), and the digests are the CPU's, as files and as shards; where the file
# system refuses O_DIRECT (tmpfs), the refused reads fall back to buffered ones, same digests.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh

make_model() { # DIR: long streams (several jobs, odd tails) and a few small files
    python3 - "$1" <<'PY'
import os, random, sys
random.seed(11)
os.makedirs(sys.argv[1], exist_ok=True)
for i, n in enumerate([9 << 20, (6 << 20) + 4095, (5 << 20) + 1, 12345, 0, 4 << 20]):
    with open(os.path.join(sys.argv[1], f"f{i}.bin"), "wb") as f:
        f.write(random.randbytes(n))
PY
}

direct_ok() { # DIR: 0 when its file system takes O_DIRECT reads
    python3 - "$1" <<'PY'
import mmap, os, sys
p = os.path.join(sys.argv[1], "f0.bin")
try:
    fd = os.open(p, os.O_RDONLY | os.O_DIRECT)
    buf = mmap.mmap(-1, 4096)
    os.readv(fd, [buf])
    os.close(fd)
except OSError:
    sys.exit(1)
PY
}

G=(--hasher gpu --buffer-size 64M)
check_dir() { # NAME DIR
    local name=$1 d=$2 shape want
    for shape in "" "--shard-size 4194304"; do
        # shellcheck disable=SC2086
        want=$("$OMSIG" digest "$d" --hasher cpu $shape)
        # shellcheck disable=SC2086
        run "$name${shape:+, $shape}: O_DIRECT forced, the CPU's digest" 0 "^$want\$" \
            env OMSIG_FORCE_DIRECT=1 "$OMSIG" digest "$d" "${G[@]}" $shape
    done
}

M=$tmp/m
make_model "$M"
if direct_ok "$M"; then
    check_dir "$(df -T "$M" | awk 'NR==2 {print $2}')" "$M"
    if command -v strace >/dev/null; then
        strace -f -e trace=openat -o "$tmp/trace" env OMSIG_FORCE_DIRECT=1 "$OMSIG" digest "$M" "${G[@]}" >/dev/null 2>&1
        grep -q 'O_DIRECT' "$tmp/trace" && ok "the feeder opened the long streams with O_DIRECT" \
            || bad "no O_DIRECT open seen: $(grep -c openat "$tmp/trace") openat calls"
    else
        echo "NOTE strace not installed: the O_DIRECT opens are not seen, only the digests checked"
    fi
else
    echo "NOTE $(df -T "$M" | awk 'NR==2 {print $2}') at $tmp refuses O_DIRECT: its direct part is not run"
fi

# tmpfs refuses O_DIRECT (EINVAL at open on older kernels, or at read): buffered, right digests
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    S=$(mktemp -d /dev/shm/omsig-direct.XXXXXX)
    make_model "$S"
    if direct_ok "$S"; then
        echo "NOTE /dev/shm takes O_DIRECT here: the refusal path is not exercised by it"
    fi
    check_dir "tmpfs" "$S"
    rm -rf "$S"
fi
summary
