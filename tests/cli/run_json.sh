#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# With --json, stdout holds exactly one JSON document, valid UTF-8, in every case: success,
# each kind of failure, each usage error, the legacy vectors (whose WARNING must be inside the
# document) and odd names. Each case also runs without --json: both exit codes must agree with
# each other, with the expected one and with the document's exit_code. docs/json.md describes
# the fields. Usage: tests/cli/run_json.sh OMSIG_BINARY   (exit 77: no python3)
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
command -v python3 >/dev/null || { echo "SKIP: python3 is needed"; exit 77; }
P=testdata/pki
I=testdata/interop
D=testdata/hostile
N=$I/models/nested
KB=$I/bundles/key-p256.sig
V=$(cd .. && pwd)/shared/vectors

# check.py EXIT [KEY=VALUE...]: stdout parsed strictly (UTF-8, one document), validated against
# docs/omsig.schema.json, then checked. KEY may be dotted (signer.kind); !KEY: absent or null.
cat >"$tmp/check.py" <<'EOF'
import json, math, os, sys
sys.path.insert(0, os.path.join(os.getcwd(), "tests", "cli"))
import json_schema
raw = open(sys.argv[1], "rb").read()
try:
    doc = json.loads(raw.decode("utf-8"))
except (UnicodeDecodeError, ValueError) as e:
    print(f"stdout is not one UTF-8 JSON document ({e}): {raw[:300]!r}"); sys.exit(1)
if not isinstance(doc, dict):
    print("the document is not an object"); sys.exit(1)
schema = json.load(open("docs/omsig.schema.json", encoding="utf-8"))
errs = json_schema.errors(schema, doc)
other = json_schema.jsonschema_errors(schema, doc)
if other is not None and bool(other) != bool(errs):
    errs.append(f"jsonschema disagrees: {other[:3]!r}")
if errs:
    print("not valid against docs/omsig.schema.json: " + "; ".join(errs[:4])); sys.exit(1)
with open(os.environ["DOCS_SEEN"], "a") as f:
    f.write(("help" if "help" in doc else "version" if "version" in doc
             else doc.get("command") or "none") + "\n")
def get(d, key):
    for part in key.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(part)
    return d
def micro(v):
    return isinstance(v, (int, float)) and abs(v * 1e6 - round(v * 1e6)) < 1e-3
for k in ("seconds", "hash_seconds"):
    if k in doc and not micro(doc[k]):
        print(f"{k} {doc[k]!r} is not rounded to microseconds"); sys.exit(1)
for e in doc.get("engines") or []:
    if "seconds" in e and not micro(e["seconds"]):
        print(f"bench seconds {e['seconds']!r} is not rounded to microseconds"); sys.exit(1)
want = int(sys.argv[2])
if doc.get("exit_code") != want:
    print(f"exit_code {doc.get('exit_code')!r}, want {want}"); sys.exit(1)
verdict = {0: "success", 1: "failure", 2: "usage_error"}[want]
if "help" not in doc and "version" not in doc and doc.get("verdict") != verdict:
    print(f"verdict {doc.get('verdict')!r}, want {verdict!r}"); sys.exit(1)
if want == 2 and not (isinstance(doc.get("error"), dict) and doc["error"].get("kind") == "usage"
                      and doc["error"].get("message")):
    print(f"a usage error without an error object: {doc}"); sys.exit(1)
if want == 2 and not (doc.get("status") == 60 and doc.get("status_name") == "OMSIG_E_USAGE"
                      and "command" in doc and doc.get("message") == doc["error"]["message"]):
    print(f"a usage error without status 60, OMSIG_E_USAGE, command and message: {doc}"); sys.exit(1)
if doc.get("status") is not None and (doc["status"] == 0) != (want == 0):
    print(f"status {doc['status']!r} with exit code {want}"); sys.exit(1)
if "status" in doc and not str(doc.get("status_name", "")).startswith("OMSIG_"):
    print(f"status_name {doc.get('status_name')!r}"); sys.exit(1)
def strings(v, key=""):
    if isinstance(v, dict):
        for k, x in v.items():
            yield from strings(x, k)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x, key)
    elif isinstance(v, str) and key != "help":
        yield key, v
for k, s in strings(doc):
    for ch in s:
        o = ord(ch)
        if o < 0x20 or 0x7f <= o <= 0x9f or 0x202a <= o <= 0x202e or 0x2066 <= o <= 0x2069:
            print(f"{k}: unescaped U+{o:04X} in {s!r}"); sys.exit(1)
for cond in sys.argv[3:]:
    k, _, v = cond.partition("=")
    if k.startswith("!"):
        if get(doc, k[1:]) is not None:
            print(f"{k[1:]} should be absent or null: {get(doc, k[1:])!r}"); sys.exit(1)
    elif k == "warning~":
        if not any(v in w for w in doc.get("warnings", [])):
            print(f"no warning holding {v!r}: {doc.get('warnings')!r}"); sys.exit(1)
    elif k == "problem~":
        if not any(v == p.get("name") for p in doc.get("problems", [])):
            print(f"no problem named {v!r}: {doc.get('problems')!r}"); sys.exit(1)
    elif k.endswith("~"):
        if v not in str(get(doc, k[:-1])):
            print(f"{k[:-1]} {get(doc, k[:-1])!r} lacks {v!r}"); sys.exit(1)
    elif k.endswith("^"):
        if str(get(doc, k[:-1])) == v:
            print(f"{k[:-1]} should differ from {v!r}"); sys.exit(1)
    elif str(get(doc, k)) != v:
        print(f"{k} {get(doc, k)!r}, want {v!r}"); sys.exit(1)
EOF

# j NAME WANT_EXIT [CHECK...] -- ARGS...: omsig ARGS with --json put after the command words
# (verify key, sign certificate, digest, ...) or at the end when there are none.
j() {
    local name=$1 want=$2
    shift 2
    local checks=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do checks+=("$1"); shift; done
    shift
    local args=("$@") words=0
    case "${args[0]:-}" in
        verify | sign) words=1; case "${args[1]:-}" in key | certificate | sigstore) words=2 ;; esac ;;
        digest | bench) words=1 ;;
    esac
    local with=("${args[@]:0:$words}" --json "${args[@]:$words}")
    [ "$words" = 0 ] && with=("${args[@]}" --json)
    "$OMSIG" "${args[@]}" >/dev/null 2>&1 </dev/null
    local plain=$?
    "$OMSIG" "${with[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$? why
    why=$(python3 "$tmp/check.py" "$tmp/out" "$want" "${checks[@]}")
    if [ "$rc" != "$want" ] || [ "$plain" != "$want" ]; then
        bad "$name: exit $rc with --json, $plain without, want $want: $(head -c 300 "$tmp/err")"
    elif [ -n "$why" ]; then
        bad "$name: $why"
    else
        ok "$name"
    fi
}

VK=(verify key "$N" --signature "$KB" --public_key "$P/p256.pub.pem")
ROOT=53cf394b29a12fec2dbf57e9ae776a2275c90e5f2759cfce4d25f08421732395
export DOCS_SEEN=$tmp/seen
# the SHA-256 of a PEM block's DER (a key's SubjectPublicKeyInfo, a certificate)
der_sha256() {
    python3 -c 'import base64, hashlib, sys
t = open(sys.argv[1]).read()
b = t[t.index("-----BEGIN"):]
body = "".join(b.split("-----")[2].split())
print(hashlib.sha256(base64.b64decode(body)).hexdigest())' "$1"
}
KFP=$(der_sha256 "$P/p256.pub.pem")
CFP=$(der_sha256 "$P/leaf-p384.cert.pem")
LEAF="CN=omsig test leaf-p384,O=omsig test"
INTER="CN=omsig test intermediate CA,O=omsig test"

# success
j "verify key" 0 root_digest=$ROOT signed_root_digest=$ROOT status_name=OMSIG_OK schema_version=1 signer.kind=key signer.fingerprint=$KFP '!signer.subject' '!signer.sans' -- "${VK[@]}"
j "verify certificate" 0 signer.kind=certificate "signer.subject=$LEAF" "signer.issuer=$INTER" signer.fingerprint=$CFP signer.not_before=2025-01-01T00:00:00Z signer.not_after=2099-12-31T23:59:59Z signer.sans=[] '!signer.identity' -- verify certificate "$N" --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem
j "verify certificate --log-fingerprints (warnings)" 0 "warning~=sha256 Fingerprint" -- verify certificate "$N" --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem --log-fingerprints
j "verify a single file" 0 -- verify key $I/models/single/model.bin --signature $I/bundles/single.sig --public_key $P/p256.pub.pem
j "digest" 0 root_digest=$ROOT '!signed_root_digest' '!signer' '!method' '!signature' -- digest "$N"
j "sign key" 0 root_digest=$ROOT '!signed_root_digest' signer.kind=key signer.fingerprint=$KFP -- sign key "$N" --signature "$tmp/signed.sig" --private_key $P/p256.key.pem
j "sign certificate" 0 signer.kind=certificate "signer.subject=$LEAF" signer.fingerprint=$CFP -- sign certificate "$N" --signature "$tmp/signed-cert.sig" --private_key $P/leaf-p384.key.pem --signing_certificate $P/leaf-p384.cert.pem --certificate_chain $P/int.cert.pem
j "bench" 0 -- bench "$N" --hasher cpu
j "help" 0 "help~=Usage: omsig verify key" -- verify key --help
j "top help" 0 "help~=Usage: omsig" -- --help
j "version" 0 "version~=omsig, version" version_number=$("$OMSIG" --version | sed -n 's/^omsig, version //p') -- --version
# --version --json lists the features the text output names
FEAT=$("$OMSIG" --version | sed -n 's/^features: //p')
"$OMSIG" --version --json >"$tmp/out"
GOT=$(python3 -c 'import json, sys; f = json.load(open(sys.argv[1]))["features"]; print(" ".join(f) or "none")' "$tmp/out")
[ -n "$FEAT" ] && [ "$GOT" = "$FEAT" ] && ok "--version --json: features [$GOT]" || bad "--version --json: features [$GOT], the text says [$FEAT]"

# each kind of failure
M=$tmp/m
cp -a "$N" "$M"
echo x >>"$M/a.md"
# the model's own root, as digest spells it without the "sha256:" of the text output
MROOT=$("$OMSIG" digest "$M" | sed -n 's/^sha256://p')
j "digest mismatch" 1 status_name=OMSIG_E_DIGEST_MISMATCH signed_root_digest=$ROOT root_digest=$MROOT root_digest^=$ROOT problem~=a.md signer.kind=key -- verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
echo y >"$M/extra.bin"
j "extra file" 1 problem~=extra.bin signed_root_digest=$ROOT '!root_digest' -- verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
rm "$M/a.md"
j "missing file" 1 problem~=a.md -- verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
j "wrong key" 1 status_name=OMSIG_E_KEY '!signed_root_digest' '!root_digest' '!signer' -- verify key "$N" --signature "$KB" --public_key $P/p384.pub.pem
j "RSA key" 1 status_name=OMSIG_E_KEY -- verify key "$N" --signature "$KB" --public_key $P/rsa.pub.pem
j "missing signature file" 1 status_name=OMSIG_E_IO -- verify key "$N" --signature "$tmp/nope.sig" --public_key $P/p256.pub.pem
j "wrong root" 1 status_name=OMSIG_E_CERTIFICATE -- verify certificate "$N" --signature $I/bundles/cert-p256.sig --certificate_chain $P/other-root.cert.pem
j "bundle over --max-bundle-size" 1 status_name=OMSIG_E_LIMIT -- verify key "$N" --signature "$KB" --public_key $P/p256.pub.pem --max-bundle-size 1K
j "digest of a missing path" 1 -- digest "$tmp/nope"
ln -s "$tmp/outside" "$M/link" && echo o >"$tmp/outside"
j "symlink refused" 1 status_name=OMSIG_E_MODEL_PATH -- verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem
j "symlink outside (warning)" 1 "warning~=points outside the model" -- verify key "$M" --signature "$KB" --public_key $P/p256.pub.pem --allow_symlinks
j "sigstore without a trust root" 1 -- verify sigstore "$N" --signature "$KB" --identity a --identity_provider b --trust_config "$tmp/nope.json"
j "sign with a missing key" 1 -- sign key "$N" --signature "$tmp/x.sig" --private_key "$tmp/nope.pem"
j "bench of a missing path" 1 -- bench "$tmp/nope"
while IFS=$'\t' read -r file _ _ extra; do
    case $file in '' | '#'*) continue ;; esac
    # shellcheck disable=SC2086
    j "hostile $file" 1 -- verify key "$D/model" --signature "$D/cases/$file" --public_key "$D/key.pub.pem" $extra
done <"$D/cases.tsv"

# each usage error
j "unknown command" 2 '!command' '!model' -- frobnicate
j "unknown option" 2 -- "${VK[@]}" --bogus
j "unknown short option" 2 -- "${VK[@]}" -x
j "missing --signature" 2 command=verify method=key "model=$N" '!signature' '!signer' files=0 -- verify key "$N" --public_key $P/p256.pub.pem
j "missing --public-key" 2 -- verify key "$N" --signature "$KB"
j "missing model" 2 -- verify key --signature "$KB" --public_key $P/p256.pub.pem
j "missing --certificate-chain's leaf (sign certificate)" 2 -- sign certificate "$N" --private_key $P/p256.key.pem
j "missing --identity" 2 -- verify sigstore "$N" --signature "$KB"
j "option without value" 2 -- verify key "$N" --public_key $P/p256.pub.pem --signature
j "flag with a value" 2 -- "${VK[@]}" --quiet=yes
j "bad --hasher" 2 -- "${VK[@]}" --hasher tpu
j "bad --shard-size" 2 -- sign key "$N" --private_key $P/p256.key.pem --shard-size 0
j "bad --max-bundle-size" 2 -- "${VK[@]}" --max-bundle-size 1
j "extra argument" 2 -- "${VK[@]}" second
j "sign sigstore" 2 -- sign sigstore "$N"
j "option of another command" 2 -- digest "$N" --signature "$KB"
# --json after the error and --json before "--"
"$OMSIG" verify key "$N" --bogus --json >"$tmp/out" 2>/dev/null
why=$(python3 "$tmp/check.py" "$tmp/out" 2)
[ -z "$why" ] && ok "--json after the error" || bad "--json after the error: $why"

# the shared vectors, the legacy ones with their WARNING inside the document
if [ -d "$V/model-transparency" ]; then
    MT=$V/model-transparency
    K=$MT/keys/certificate
    for v in v0.3.1 v1.0.0; do
        d=$MT/$v-elliptic-key
        j "$v-elliptic-key (legacy format warning)" 0 "warning~=WARNING: This model's signature uses an older" -- verify key "$d/signme-1" --signature "$d/model.sig" --public_key "$K/signing-key-pub.pem"
    done
    for v in v1.0.1 v1.1.0; do
        d=$MT/$v-elliptic-key
        j "$v-elliptic-key" 0 -- verify key "$d" --signature "$d/model.sig" --public_key "$K/signing-key-pub.pem" --ignore-paths "$d/ignore-me"
    done
    for v in v0.2.0 v0.3.1 v1.0.0 v1.0.1 v1.1.0; do
        d=$MT/$v-certificate
        j "$v-certificate" 0 -- verify certificate "$d" --signature "$d/model.sig" --certificate_chain "$K/ca-cert.pem" --ignore-paths "$d/ignore-me"
        j "$v-certificate, intermediate only" 1 -- verify certificate "$d" --signature "$d/model.sig" --certificate_chain "$K/int-ca-cert.pem" --ignore-paths "$d/ignore-me"
    done
    TR=$V/sigstore/trusted_root.production.json
    for v in v0.3.1 v1.0.0 v1.0.1 v1.1.0; do
        d=$MT/$v-sigstore
        j "$v-sigstore" 0 signer.kind=sigstore signer.identity=stefanb@us.ibm.com signer.identity_provider=https://sigstore.verify.ibm.com/oauth2 signer.sans~=stefanb@us.ibm.com signer.issuer~=sigstore -- verify sigstore "$d" --signature "$d/model.sig" --identity stefanb@us.ibm.com --identity_provider https://sigstore.verify.ibm.com/oauth2 --trust_config "$TR" --ignore-paths "$d/ignore-me"
    done
    j "v1.0.1-elliptic-key without --ignore-paths" 1 problem~=ignore-me -- verify key "$MT/v1.0.1-elliptic-key" --signature "$MT/v1.0.1-elliptic-key/model.sig" --public_key "$K/signing-key-pub.pem"
    for f in "$V"/oms-spec/v1.0/invalid*/*.json; do
        j "oms-spec ${f#"$V/oms-spec/v1.0/"}" 1 -- verify key "$N" --signature "$f" --public_key "$K/signing-key-pub.pem"
    done
else
    echo "note: $V absent; the shared vectors are skipped"
fi

# odd names: in the model, in the manifest, in the bundle, on the command line
O=$tmp/o
cp -a "$D/model" "$O"
touch "$O/"$'bad\xff' "$O/"$'esc\e[2K\nVerification succeeded' "$O/"$'c1\xc2\x85\xe2\x80\xae'
j "extra files with odd names" 1 'problem~=bad\udcff' 'problem~=esc\x1b[2K\nVerification succeeded' 'problem~=c1\x85\u202e' -- verify key "$O" --signature "$D/valid.json" --public_key "$D/key.pub.pem"
j "a model path that is not UTF-8" 1 -- verify key "$tmp/"$'m\xff\e' --signature "$D/valid.json" --public_key "$D/key.pub.pem"
j "a signature path that is not UTF-8" 1 -- verify key "$D/model" --signature "$tmp/"$'s\xfe\a' --public_key "$D/key.pub.pem"
j "digest of a path that is not UTF-8" 1 -- digest "$tmp/"$'d\xff'
python3 - "$D/valid.json" "$tmp/pt.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
b["dsseEnvelope"]["payloadType"] = "x\nVerification succeeded\n\u001b[2K\u0085\u202e"
json.dump(b, open(sys.argv[2], "w"))
EOF
j "payloadType with controls" 1 -- verify key "$D/model" --signature "$tmp/pt.json" --public_key "$D/key.pub.pem"
j "usage error naming odd bytes" 2 -- verify key "$D/model" --signature "$D/valid.json" --public_key "$D/key.pub.pem" $'\xff\e]0;x\a'
j "unknown command with odd bytes" 2 -- $'fr\xffob'

# the checker refuses what the schema does not allow (so a pass above means something)
"$OMSIG" "${VK[@]}" --json >"$tmp/doc.json" 2>/dev/null
why=$(python3 - "$tmp/doc.json" <<'EOF'
import copy, json, sys
sys.path.insert(0, "tests/cli")
import json_schema
schema = json.load(open("docs/omsig.schema.json", encoding="utf-8"))
doc = json.load(open(sys.argv[1], encoding="utf-8"))
if json_schema.errors(schema, doc):
    print("the verify document is refused:", json_schema.errors(schema, doc)); sys.exit()
mutations = {
    "a field missing": lambda d: d.pop("signer"),
    "a field added": lambda d: d.update(extra=1),
    "an unknown status name": lambda d: d.update(status_name="OMSIG_E_NOPE"),
    "true for schema_version 1": lambda d: d.update(schema_version=True),
    "a root digest with its algorithm": lambda d: d.update(root_digest="sha256:" + "0" * 64),
    "a fingerprint with colons": lambda d: d["signer"].update(fingerprint="AB:CD"),
    "a problem without actual": lambda d: d["problems"].append({"kind": "extra", "name": "x", "expected": None}),
    "a string for files": lambda d: d.update(files="12"),
}
for what, mutate in mutations.items():
    bad = copy.deepcopy(doc)
    mutate(bad)
    if not json_schema.errors(schema, bad):
        print("the checker accepts", what)
EOF
)
[ -z "$why" ] && ok "schema checker refuses broken documents" || bad "schema checker: $why"

# every kind of document was validated against the schema
for kind in verify sign digest bench help version none; do
    grep -qx "$kind" "$tmp/seen" && ok "schema: $kind documents validated" || bad "schema: no $kind document was validated"
done

summary
