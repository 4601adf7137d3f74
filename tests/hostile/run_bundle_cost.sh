#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Bundles that cost much to parse or carry fields the bundle schema does not have: a valid
# key bundle padded to just under 64 MiB with values cJSON spends 40 times their text on, in
# several shapes, must be refused quickly and in bounded memory; unknown or missing fields
# inside tlogEntries and timestampVerificationData must be refused with the field named.
# With the reference in tests/.venv, its verdict on each small case is compared too.
# Usage: tests/hostile/run_bundle_cost.sh OMSIG_BINARY   (exit 77: no python3)
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to build the bundles"; exit 77; }
D=testdata/hostile
REF=tests/.venv/bin/model_signing
[ -x "$REF" ] || { echo "note: $REF absent; the reference's verdicts are not compared"; REF=; }
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "note: $TIME absent; peak memory is not checked"; TIME=; }
MAX_KB=$((200 * 1024))
MAX_S=10
# sanitizers keep shadow memory beside every byte the program uses and check every access:
# allow them four times the memory and the time
[ -n "${OMSIG_TEST_SANITIZER:-}" ] && MAX_KB=$((800 * 1024)) MAX_S=40

# bundle.py NAME SHAPE: writes $tmp/NAME.json, valid.json with verificationMaterial changed.
python3 - "$D/valid.json" "$tmp" <<'EOF'
import copy, json, sys
base = json.load(open(sys.argv[1]))
out = sys.argv[2]
LIMIT = 64 * 1024 * 1024 - 4096  # under the default --max-bundle-size

def write(name, vm_extra=None, text_pad=None):
    b = copy.deepcopy(base)
    vm = b["verificationMaterial"]
    if vm_extra:
        vm.update(vm_extra)
    s = json.dumps(b, separators=(",", ":"))
    if text_pad:  # replace the marker string with a big literal JSON text
        unit, head, tail = text_pad
        n = (LIMIT - len(s)) // len(unit)
        s = s.replace('"@PAD@"', head + (unit * n).rstrip(",") + tail)
    open(f"{out}/{name}.json", "w").write(s)

entry = {"logIndex": "1", "logId": {"keyId": "AAAA"},
         "kindVersion": {"kind": "dsse", "version": "0.0.1"},
         "integratedTime": "1", "inclusionPromise": {"signedEntryTimestamp": "AAAA"},
         "inclusionProof": {"logIndex": "1", "rootHash": "AAAA", "treeSize": "2",
                            "hashes": ["AAAA"], "checkpoint": {"envelope": "x"}},
         "canonicalizedBody": "AAAA"}

def with_entry(path, key, value=0):
    e = copy.deepcopy(entry)
    o = e
    for p in path:
        o = o[p]
    if value is None:
        del o[key]
    else:
        o[key] = value
    return {"tlogEntries": [e]}

# the issue's reproduction and other shapes of cheap text and costly trees
write("zeros", {"timestampVerificationData": {"x": "@PAD@"}}, ("0,", "[", "]"))
write("empty-arrays", {"timestampVerificationData": {"x": "@PAD@"}}, ("[],", "[", "]"))
write("empty-objects", {"tlogEntries": "@PAD@"}, ("{},", "[", "]"))
write("empty-strings", {"timestampVerificationData": {"x": "@PAD@"}}, ('"",', "[", "]"))
write("many-keys", {"timestampVerificationData": "@PAD@"},
      ("".join(f'"{i:x}":0,' for i in range(4096)), "{", "}"))
write("deep", {"timestampVerificationData": {"x": "@PAD@"}}, ("[", "", ""))
# small cases: every object of the schema refuses a field it does not have
write("tsv-unknown", {"timestampVerificationData": {"x": [0] * 1000}})
write("tsv-item-unknown", {"timestampVerificationData": {"rfc3161Timestamps": [{"signedTimestamp": "AAAA", "extra": 1}]}})
write("entry-unknown", with_entry([], "extra"))
write("logid-unknown", with_entry(["logId"], "extra"))
write("kindversion-unknown", with_entry(["kindVersion"], "extra"))
write("promise-unknown", with_entry(["inclusionPromise"], "extra"))
write("proof-unknown", with_entry(["inclusionProof"], "extra"))
write("checkpoint-unknown", with_entry(["inclusionProof", "checkpoint"], "extra"))
write("entry-missing", with_entry([], "logIndex", None))
write("entry-empty", {"tlogEntries": [{}]})
write("hashes-not-strings", with_entry(["inclusionProof"], "hashes", [0]))
# positive controls: what the reference accepts
write("tsv-empty", {"timestampVerificationData": {}})
write("tsv-empty-list", {"timestampVerificationData": {"rfc3161Timestamps": []}})
write("tsv-null", {"timestampVerificationData": None})
EOF
[ -f "$tmp/zeros.json" ] || { bad "building the bundles"; summary; exit; }

verify() { # verify BIN BUNDLE: exit code; output in $tmp/out, $tmp/err
    "$1" verify key "$D/model" --signature "$2" --public_key "$D/key.pub.pem" >"$tmp/out" 2>"$tmp/err"
}

# big NAME: refused (exit 1), in under MAX_S seconds and MAX_KB of peak memory
big() {
    local name=$1 f=$tmp/$1.json start end rc kb=
    start=$(date +%s.%N)
    if [ -n "$TIME" ]; then
        "$TIME" -v -o "$tmp/time" "$OMSIG" verify key "$D/model" --signature "$f" \
            --public_key "$D/key.pub.pem" >"$tmp/out" 2>"$tmp/err"
        rc=$?
        kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$tmp/time")
    else
        verify "$OMSIG" "$f"
        rc=$?
    fi
    end=$(date +%s.%N)
    local secs
    secs=$(echo "$end - $start" | bc 2>/dev/null || python3 -c "print($end - $start)")
    local msg
    msg=$(head -c 300 "$tmp/err")
    if [ "$rc" != 1 ]; then
        bad "$name ($(stat -c %s "$f") bytes): exit $rc, want 1: $msg"
    elif ! grep -q '^Verification failed with error: Invalid signature bundle' "$tmp/err"; then
        bad "$name: not refused as an invalid bundle: $msg"
    elif python3 -c "import sys; sys.exit(0 if float('$secs') < $MAX_S else 1)"; then
        if [ -n "$kb" ] && [ "$kb" -gt "$MAX_KB" ]; then
            bad "$name: peak memory ${kb} kB > ${MAX_KB} kB"
        else
            ok "$name: refused in ${secs%???????} s, peak ${kb:-?} kB: $msg"
        fi
    else
        bad "$name: took $secs s (limit $MAX_S)"
    fi
}

for name in zeros empty-arrays empty-objects empty-strings many-keys deep; do
    big "$name"
done

# small NAME WANT_EXIT PATTERN: omsig's verdict and message, then the reference's verdict
small() {
    local name=$1 want=$2 pat=$3
    run "$name" "$want" "$pat" "$OMSIG" verify key "$D/model" --signature "$tmp/$name.json" \
        --public_key "$D/key.pub.pem"
    if [ -n "$REF" ]; then
        verify "$REF" "$tmp/$name.json"
        local rc=$?
        [ "$rc" = "$want" ] && ok "$name: the reference agrees (exit $rc)" \
            || bad "$name: the reference exits $rc, omsig is expected to exit $want: $(tail -c 300 "$tmp/err")"
    fi
}

VM=verificationMaterial
small tsv-unknown 1 "unexpected key 'x' in $VM\.timestampVerificationData$"
small tsv-item-unknown 1 "unexpected key 'extra' in $VM\.timestampVerificationData\.rfc3161Timestamps\[0\]$"
small entry-unknown 1 "unexpected key 'extra' in $VM\.tlogEntries\[0\]$"
small logid-unknown 1 "unexpected key 'extra' in $VM\.tlogEntries\[0\]\.logId$"
small kindversion-unknown 1 "unexpected key 'extra' in $VM\.tlogEntries\[0\]\.kindVersion$"
small promise-unknown 1 "unexpected key 'extra' in $VM\.tlogEntries\[0\]\.inclusionPromise$"
small proof-unknown 1 "unexpected key 'extra' in $VM\.tlogEntries\[0\]\.inclusionProof$"
small checkpoint-unknown 1 "unexpected key 'extra' in $VM\.tlogEntries\[0\]\.inclusionProof\.checkpoint$"
small entry-missing 1 "$VM\.tlogEntries\[0\]\.logIndex is missing"
small entry-empty 1 "$VM\.tlogEntries\[0\]\.logIndex is missing"
small hashes-not-strings 1 "inclusionProof\.hashes\[0\] must be a string, got a number"
small tsv-empty 0 '^Verification succeeded$'
small tsv-empty-list 0 '^Verification succeeded$'
small tsv-null 0 '^Verification succeeded$'

summary
