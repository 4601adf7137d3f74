#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The progress line (stderr on a terminal): no time-left estimate before it means something
# (a second of hashing and 2% of the bytes), a sane one after; cleared at the end, and cleared
# when SIGINT or SIGTERM stops the program (which then dies of that signal).
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
# 6 GB of holes: read fast, hashed at one core's rate with --threads 1 (a few seconds)
truncate -s 6G "$tmp/big.bin" || { echo "SKIP: no sparse file"; exit 77; }

# pty_run SIGNAL|none SECONDS ARGS...: runs omsig with stderr on a terminal, sends SIGNAL after
# SECONDS; prints the exit status (negative: the signal) then what it wrote to the terminal
pty_run() {
    python3 - "$@" <<'PY'
import os, pty, signal, subprocess, sys, time
sig, after, args = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
master, slave = pty.openpty()
p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=slave)
os.close(slave)
out = b""
start = time.time()
sent = False
while True:
    if sig != "none" and not sent and time.time() - start >= after:
        p.send_signal(getattr(signal, sig))
        sent = True
    try:
        import select
        r, _, _ = select.select([master], [], [], 0.05)
        if r:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        break
    if p.poll() is not None and not select.select([master], [], [], 0.05)[0]:
        break
print(p.wait())
sys.stdout.write(out.decode("utf-8", "replace").replace("\x1b", "<ESC>").replace("\r", "<CR>"))
PY
}

pty_run none 0 "$OMSIG" digest "$tmp/big.bin" --threads 1 --hasher cpu >"$tmp/full"
frames=$(tail -n +2 "$tmp/full" | sed 's/<CR><ESC>\[K/\n/g' | grep '^hashing')
[ "$(head -n 1 "$tmp/full")" = 0 ] && ok "finished: exit 0" || bad "finished: $(head -c 300 "$tmp/full")"
[ -n "$frames" ] && ok "progress frames shown on a terminal ($(echo "$frames" | wc -l))" || bad "no frames: $(head -c 300 "$tmp/full")"
first=$(echo "$frames" | head -n 1)
case $first in *left*) bad "the first frame has an estimate: $first" ;; *) ok "no estimate in the first frame" ;; esac
if echo "$frames" | grep -q ' s left'; then
    worst=$(echo "$frames" | grep -oE '[0-9]+ s left' | awk '{ if ($1 > m) m = $1 } END { print m + 0 }')
    [ "$worst" -lt 600 ] && ok "estimates are sane (at most $worst s)" || bad "estimate of $worst s"
else
    echo "SKIP: hashing took under a second here, no estimate to check"
fi

for s in SIGTERM SIGINT; do
    pty_run $s 1.2 "$OMSIG" digest "$tmp/big.bin" --threads 1 --hasher cpu >"$tmp/stopped"
    rc=$(head -n 1 "$tmp/stopped")
    body=$(tail -n +2 "$tmp/stopped")
    if [ "$rc" -ge 0 ]; then
        echo "SKIP: $s: finished before the signal (exit $rc)"
        continue
    fi
    want=$(python3 -c "import signal; print(-signal.$s)")
    [ "$rc" = "$want" ] && ok "$s: the program died of it" || bad "$s: exit $rc, want $want"
    case $body in
    *hashing*'<CR><ESC>[K') ok "$s: the line was cleared last" ;;
    *) bad "$s: not cleared: ...$(printf '%s' "$body" | tail -c 200)" ;;
    esac
done
summary
