#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A bundle that is not JSON: the message says where it breaks in the words of Python's
# json.loads, which model_signing uses ("Expecting ',' delimiter: line 3 column 5 (char 18)").
# Fixed cases (each also with --json: a document valid against docs/omsig.schema.json with the
# same words), then a few hundred mutations of a real bundle (a byte deleted, inserted or
# changed, the text cut) compared with Python's own error, where python3 is at hand.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
N=testdata/interop/models/nested
PRE="Verification failed with error: Invalid signature bundle: the file is not valid JSON: "

# case NAME TEXT WANT: the bundle holding TEXT (printf format) gives PRE + WANT, and with --json
# a document valid against docs/omsig.schema.json whose message is the same words
case1() {
    printf "$2" >"$tmp/b.json"
    run "$1" 1 "" "$OMSIG" verify key "$N" --signature "$tmp/b.json" --public_key $P/p256.pub.pem
    [ "$(cat "$tmp/err")" = "$PRE$3" ] && ok "$1: the words" || bad "$1: $(cat "$tmp/err")"
    command -v python3 >/dev/null || return
    "$OMSIG" verify key "$N" --signature "$tmp/b.json" --public_key $P/p256.pub.pem --json >"$tmp/doc.json" 2>/dev/null
    local why
    why=$(python3 - "$tmp/doc.json" "${PRE#Verification failed with error: }$3" <<'EOF'
import json, sys
sys.path.insert(0, "tests/cli")
import json_schema
doc = json.load(open(sys.argv[1], encoding="utf-8"))
errs = json_schema.errors(json.load(open("docs/omsig.schema.json", encoding="utf-8")), doc)
if errs:
    print("; ".join(errs[:3]))
elif doc["message"] != sys.argv[2] or doc["status_name"] != "OMSIG_E_BUNDLE_PARSE":
    print(f"{doc['status_name']}: {doc['message']!r}")
EOF
)
    [ -z "$why" ] && ok "$1: --json" || bad "$1: --json: $why"
}
case1 "a comma before }" '{"mediaType": "x",\n}' "Expecting property name enclosed in double quotes: line 2 column 1 (char 19)"
case1 "a missing comma" '{"a": [1, 2,\n\n  3 x]}' "Expecting ',' delimiter: line 3 column 5 (char 18)"
case1 "cut short" '{"a": 1' "Expecting ',' delimiter: line 1 column 8 (char 7)"
case1 "cut in a string" '{"a": "b' "Unterminated string starting at: line 1 column 7 (char 6)"
case1 "no colon" '{"a" 1}' "Expecting ':' delimiter: line 1 column 6 (char 5)"
case1 "trailing data" '{} x' "Extra data: line 1 column 4 (char 3)"
case1 "a bad escape" '["a", "\\q"]' 'Invalid \escape: line 1 column 8 (char 7)' 
case1 "a short \\u escape" '["\\ud800\\u12"]' 'Invalid \uXXXX escape: line 1 column 10 (char 9)' 
case1 "a leading zero" '[01]' "Expecting ',' delimiter: line 1 column 3 (char 2)"
case1 "a point without digits" '[1.]' "Expecting ',' delimiter: line 1 column 3 (char 2)"
case1 "a control character" '["a\tb"]' "Invalid control character at: line 1 column 4 (char 3)"
case1 "a byte-order mark" '\xef\xbb\xbf{}' "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"
case1 "characters, not bytes" '{"é€😀": 1,,}' "Expecting property name enclosed in double quotes: line 1 column 11 (char 10)"
printf '' >"$tmp/e.json"
run "an empty file keeps its words" 1 'Invalid signature bundle: the file is empty$' \
    "$OMSIG" verify key "$N" --signature "$tmp/e.json" --public_key $P/p256.pub.pem
printf '  \n ' >"$tmp/e.json"
run "only whitespace: empty too" 1 'Invalid signature bundle: the file is empty$' \
    "$OMSIG" verify key "$N" --signature "$tmp/e.json" --public_key $P/p256.pub.pem
printf '{"a": NaN}' >"$tmp/nan.json"
run "NaN (Python's JSON, not omsig's): omsig's words" 1 'Invalid signature bundle: the file is not valid JSON \(or' \
    "$OMSIG" verify key "$N" --signature "$tmp/nan.json" --public_key $P/p256.pub.pem

PY=tests/.venv/bin/python
[ -x "$PY" ] || PY=python3
if ! command -v "$PY" >/dev/null; then
    echo "SKIP: no python3 for the mutations"
    summary
    exit
fi
"$PY" - "$OMSIG" testdata/interop/bundles/cert-p384.sig "$N" $P/p256.pub.pem "$tmp" "$PRE" <<'PY'
import json, random, subprocess, sys
omsig, bundle, model, key, tmp, pre = sys.argv[1:]
base = open(bundle, encoding="utf-8").read()
# a pretty-printed copy too, so that lines and columns matter
texts = [base, json.dumps(json.loads(base), indent=2, ensure_ascii=False)]
rng = random.Random(16)
insert = list('{}[]:,"\\ \n\t0123456789eE.-+truefalsnNIu') + ["\x01", "é"]
checked = bad = 0
for n in range(400):
    t = rng.choice(texts)
    i = rng.randrange(len(t) + 1)
    op = n % 4
    if op == 0: m = t[:i] + t[i + 1:]
    elif op == 1: m = t[:i] + rng.choice(insert) + t[i:]
    elif op == 2: m = t[:i] + rng.choice(insert) + t[i + 1:]
    else: m = t[:i]
    try:
        json.loads(m)
        continue
    except json.JSONDecodeError as e:
        want = pre + str(e)
    except RecursionError:
        continue
    if m.strip() == "":
        continue
    path = tmp + "/m.json"
    open(path, "w", encoding="utf-8").write(m)
    r = subprocess.run([omsig, "verify", "key", model, "--signature", path, "--public_key", key],
                       capture_output=True, text=True)
    got = r.stderr.strip()
    checked += 1
    if got != want:
        bad += 1
        if bad <= 5:
            print("FAIL mutation %d (%s at %d): got %r, want %r" % (n, ["delete", "insert", "change", "cut"][op], i, got, want))
print("%s %d mutations that Python refuses: omsig says the same" % ("PASS" if bad == 0 and checked > 100 else "FAIL", checked))
sys.exit(1 if bad or checked <= 100 else 0)
PY
if [ $? = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
summary
