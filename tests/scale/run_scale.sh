#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scale: a model of 1,000,000 empty files signs and verifies within a descriptor limit of 1024
# with memory proportional to the file count; its 188 MB bundle is refused unread without
# --max-bundle-size. Prints time and peak RSS of each step. FILES overrides the count.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
n=${FILES:-1000000}
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/omsig-scale.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/m" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    if i % 1000 == 0:
        d = os.path.join(root, "d%04d" % (i // 1000))
        os.makedirs(d)
    os.close(os.open(os.path.join(d, "f%03d" % (i % 1000)), os.O_CREAT | os.O_WRONLY, 0o644))
PY
# measure NAME WANT_EXIT cmd...: runs under ulimit -n 1024, prints seconds and peak RSS
fail=0 pass=0
measure() {
    local name=$1 want=$2
    shift 2
    python3 - "$name" "$want" "$@" <<'PY'
import resource, subprocess, sys, time
name, want, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
t = time.monotonic()
p = subprocess.run(cmd, capture_output=True, text=True)
dt = time.monotonic() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
ok = p.returncode == want
print(f"{'PASS' if ok else 'FAIL'} {name}: exit {p.returncode}, {dt:.2f} s, peak RSS {rss:.0f} MiB {p.stderr.strip()[:160]}")
sys.exit(0 if ok else 1)
PY
    if [ $? = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}
measure "sign $n files" 0 "$OMSIG" sign key "$tmp/m" --signature "$tmp/m.sig" --private_key "$P/p256.key.pem" --quiet
ls -l "$tmp/m.sig" | awk '{print "bundle bytes: " $5}'
measure "verify $n files" 0 "$OMSIG" verify key "$tmp/m" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --quiet --max-bundle-size 1G
if [ "$n" -ge 1000000 ]; then
    measure "bundle over the default limit refused unread" 1 "$OMSIG" verify key "$tmp/m" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --quiet
fi
touch "$tmp/m/d0000/extra"
measure "one extra file among $n" 1 "$OMSIG" verify key "$tmp/m" --signature "$tmp/m.sig" --public_key "$P/p256.pub.pem" --quiet --max-bundle-size 1G
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
