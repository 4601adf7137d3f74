#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The GPU engine on several devices, through the CLI built against the stand-in runtime
# (OMSIG_FAKE_CUDA_DEVICES=N): a model spread over 4 devices gives the CPU's digest and each
# device's share in --log-level DEBUG and --json; a device failing mid-run (test hook
# OMSIG_FAULT_CUDA=<batch>@<device>) or at set-up (OMSIG_FAKE_CUDA_FAIL) drops out, named with
# its reason, and the others finish with the right digest; --gpus picks devices and refuses bad
# values; under `ulimit -n 1024`, 1,100 files whose streams hold descriptors still hash.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh

M=$tmp/m
mkdir -p "$M"
python3 - "$M" <<'PY'
import os, random, sys
random.seed(5)
for i in range(1100):
    n = random.randrange(0, 600000) if i % 3 else random.randrange(0, 5000)
    with open(os.path.join(sys.argv[1], f"f{i:05}.bin"), "wb") as f:
        f.write(random.randbytes(n))
PY
want=$("$OMSIG" digest "$M" --hasher cpu)
export OMSIG_FAKE_CUDA_DEVICES=4
G=(--hasher gpu --buffer-size 64M)
# two reader groups per device: with more, the other devices' groups may take every stream
# before device 1 launches the batch the mid-run fault is set for
export OMSIG_GPU_GROUPS=2

run "4 devices: the CPU's digest" 0 "^$want\$" "$OMSIG" digest "$M" "${G[@]}"
"$OMSIG" digest "$M" "${G[@]}" --log-level DEBUG >"$tmp/o" 2>"$tmp/e"
n=$(grep -cE '^debug: gpu [0-3]: [1-9][0-9]* bytes, [1-9][0-9]* streams' "$tmp/e")
[ "$n" -ge 2 ] && ok "4 devices: at least two of them hashed ($n)" || bad "4 devices: $n hashed: $(grep 'debug: gpu' "$tmp/e")"
"$OMSIG" digest "$M" "${G[@]}" --json >"$tmp/j"
[ "$(jq '.devices | length' "$tmp/j")" = 4 ] && [ "$(jq '[.devices[].streams] | add' "$tmp/j")" = 1100 ] \
    && ok "--json: 4 devices whose streams add up to the model's" || bad "--json devices: $(jq -c .devices "$tmp/j")"

run "device 1 fails mid-run: the others finish, right digest" 0 "^$want\$" \
    env OMSIG_FAULT_CUDA=1@1 "$OMSIG" digest "$M" "${G[@]}"
# whether device 1 launches at all before the other devices' groups have taken every stream is
# a race (a loaded machine starts its threads late); a run where it launched must name its
# failure, and one of five runs must have it launch
named=""
for try in 1 2 3 4 5; do
    env OMSIG_FAULT_CUDA=1@1 "$OMSIG" digest "$M" "${G[@]}" --log-level DEBUG >"$tmp/o" 2>"$tmp/e"
    rc=$?
    if [ "$rc" != 0 ] || ! grep -qx "$want" "$tmp/o"; then
        named="bad: exit $rc: $(cat "$tmp/o" "$tmp/e" | head -c 600)"
        break
    fi
    if grep -qE 'debug: gpu 1 dropped out: .*launch failure' "$tmp/e"; then
        named="try $try"
        break
    fi
    if ! grep -qE '^debug: gpu 1: 0 bytes, 0 streams' "$tmp/e"; then
        named="bad: device 1 hashed and did not drop out: $(grep 'debug: gpu' "$tmp/e")"
        break
    fi
done
case $named in
"try "*) ok "device 1 fails mid-run: DEBUG names it and why ($named)" ;;
"") bad "device 1 fails mid-run: device 1 took no stream in five runs" ;;
*) bad "device 1 fails mid-run: DEBUG names it and why ($named)" ;;
esac
run "device 2 fails at set-up: the others hash, right digest" 0 "^$want\$" \
    env OMSIG_FAKE_CUDA_FAIL=cudaMalloc:1@2 "$OMSIG" digest "$M" "${G[@]}"
run "device 2 fails at set-up: DEBUG names it" 0 'debug: gpu 2 dropped out: cannot set up the GPU' \
    env OMSIG_FAKE_CUDA_FAIL=cudaMalloc:1@2 "$OMSIG" digest "$M" "${G[@]}" --log-level DEBUG
run "every device fails mid-run, --hasher gpu: fails with the reasons" 1 'GPU hashing failed: .*GPU 0: .*GPU 3: ' \
    env OMSIG_FAULT_CUDA=1 "$OMSIG" digest "$M" "${G[@]}"
run "every device fails mid-run, auto: the CPU finishes" 0 "^$want\$" \
    env OMSIG_FAULT_CUDA=1 "$OMSIG" digest "$M" --hasher hybrid --buffer-size 64M

"$OMSIG" digest "$M" "${G[@]}" --gpus 2 --log-level DEBUG >"$tmp/o" 2>"$tmp/e"
[ "$(grep -oE '^debug: gpu [0-9]+:' "$tmp/e" | tr '\n' ' ')" = "debug: gpu 0: debug: gpu 1: " ] && grep -q "^$want\$" "$tmp/o" \
    && ok "--gpus 2: devices 0 and 1" || bad "--gpus 2: $(grep 'debug: gpu' "$tmp/e")"
"$OMSIG" digest "$M" "${G[@]}" --gpus 3,1 --log-level DEBUG >"$tmp/o" 2>"$tmp/e"
[ "$(grep -oE '^debug: gpu [0-9]+:' "$tmp/e" | tr '\n' ' ')" = "debug: gpu 3: debug: gpu 1: " ] && grep -q "^$want\$" "$tmp/o" \
    && ok "--gpus 3,1: devices 3 and 1" || bad "--gpus 3,1: $(grep 'debug: gpu' "$tmp/e")"
run "--gpus 2, is device 2 alone" 0 'debug: gpu 2: [1-9]' "$OMSIG" digest "$M" "${G[@]}" --gpus 2, --log-level DEBUG
run "--gpus 5, with 4 devices: not available, says why" 1 'there is no GPU 5: 4 visible' \
    "$OMSIG" digest "$M" "${G[@]}" --gpus 5,
for v in 0 x 1,1 ,1 1,,2 -1 65 99,; do
    run "--gpus '$v': usage error" 2 "Invalid value for '--gpus'" "$OMSIG" digest "$M" "${G[@]}" --gpus "$v"
done

# descriptors: streams longer than one job hold theirs; 1,100 files under 1,024 descriptors
run "ulimit -n 1024: 1,100 files on 4 devices" 0 "^$want\$" \
    bash -c 'ulimit -n 1024 && exec "$@"' _ "$OMSIG" digest "$M" "${G[@]}"
run "ulimit -n 1024: 1,100 files, hybrid" 0 "^$want\$" \
    bash -c 'ulimit -n 1024 && exec "$@"' _ "$OMSIG" digest "$M" --hasher hybrid --buffer-size 64M
summary
