#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `verify sigstore` without --trust_config, offline: the trusted_root.json sigstore-python keeps
# in its TUF cache ($XDG_CACHE_HOME or ~/.cache, sigstore-python/tuf/<quoted URL>/) when present
# and not older than the built-in copy, else the copy of Sigstore's built into omsig
# (production, staging with --use_staging); --json and DEBUG say which, with its date; a
# bundle signed after the built-in root's newest key that fails on a key says to pass
# --trust_config.  The built-in text is checked against Sigstore's published file where a copy
# is at hand.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
ID=(--identity stefanb@us.ibm.com --identity_provider https://sigstore.verify.ibm.com/oauth2)
# the model of model-transparency's v1.1.0-sigstore vector, which these bundles sign
M=$tmp/model
mkdir -p "$M" "$tmp/home" && printf signme-1 >"$M/signme-1" && printf signme-2 >"$M/signme-2" && : >"$M/ignore-me"
B=testdata/sigstore/valid-tsa-time-only.sig
export HOME=$tmp/home
unset XDG_CACHE_HOME

# field FILE KEY: a string field of the JSON document in FILE
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2"; }

run "no cache: the built-in production root" 0 '^Verification succeeded$' "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}"
run "without the method word" 0 '^Verification succeeded$' "$OMSIG" verify "$M" --signature $B "${ID[@]}"
run "--json says which root" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}" --json
[ "$(field "$tmp/out" trust_root_source)" = built-in ] && ok "trust_root_source built-in" || bad "source: $(cat "$tmp/out")"
field "$tmp/out" trust_root | grep -q 'production trust root built into omsig (newest key valid from 20[0-9][0-9]-[01][0-9]-[0-3][0-9])' &&
    ok "trust_root: production, with its date" || bad "trust_root: $(field "$tmp/out" trust_root)"
run "DEBUG says which root" 0 '^debug: trust root: built-in, the Sigstore production trust root built into omsig' \
    "$OMSIG" --log-level DEBUG verify sigstore "$M" --signature $B "${ID[@]}"
run "--use_staging: the built-in staging root" 1 '"verdict":[[:space:]]*"failure"' \
    "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}" --use_staging --json
field "$tmp/out" trust_root | grep -q 'staging trust root built into omsig' && ok "trust_root: staging" ||
    bad "staging: $(field "$tmp/out" trust_root)"
run "key and certificate runs name no root" 0 '"verdict"' "$OMSIG" verify key testdata/interop/models/nested \
    --signature testdata/interop/bundles/key-p256.sig --public_key testdata/pki/p256.pub.pem --json
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(d["trust_root"] is not None or d["trust_root_source"] is not None)' "$tmp/out" &&
    ok "trust_root and trust_root_source null for key" || bad "a key run names a trust root: $(cat "$tmp/out")"

# the failure of a bundle signed after the built-in root's newest key (2025-10-10 here)
run "a key failure after the built-in root's date" 1 'Pass --trust_config with a current trusted_root\.json' \
    "$OMSIG" verify sigstore "$M" --signature testdata/sigstore/tsa-bitflip.sig "${ID[@]}"
grep -q 'signed on 2025-10-10, after the newest key of the Sigstore trust root built into omsig' "$tmp/err" &&
    ok "the hint gives both dates" || bad "hint: $(cat "$tmp/err")"
run "a policy failure gets no hint" 1 "Certificate's SANs do not match" \
    "$OMSIG" verify sigstore "$M" --signature $B --identity someone@example.com --identity_provider https://sigstore.verify.ibm.com/oauth2
grep -q 'trust_config' "$tmp/err" && bad "policy failure hinted: $(cat "$tmp/err")" || ok "no hint for the identity"

# the built-in text against Sigstore's published file, and a copy to put in a cache
published=
for f in ../shared/vectors/sigstore/trusted_root.production.json \
    tests/.venv/lib/python3*/site-packages/sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json; do
    [ -f "$f" ] && published=$f && break
done
python3 - src/sigstore/roots.h "$tmp/builtin.json" "$tmp/builtin-staging.json" <<'PY' || bad "cannot read the built-in text"
import ast, hashlib, re, sys
src = open(sys.argv[1]).read()
for name, host, out in (("production", "sigstore", sys.argv[2]), ("staging", "sigstage", sys.argv[3])):
    body = re.search(r'k_%s\[\] =\n(.*?);\n' % name, src, re.S).group(1)
    text = "".join(ast.literal_eval(p) for p in re.findall(r'"(?:[^"\\]|\\.)*"', body))
    open(out, "w").write(text)
    want = re.search(r'tuf-repo-cdn\.%s\.dev/targets/trusted_root\.json: (\d+) bytes, SHA-256\n \* ([0-9a-f]{64})' % host, src)
    data = text.encode()
    assert len(data) == int(want.group(1)) and hashlib.sha256(data).hexdigest() == want.group(2), name
PY
if [ -n "$published" ]; then
    cmp -s "$tmp/builtin.json" "$published" && ok "the built-in production root is Sigstore's file, byte for byte" ||
        bad "the built-in production root differs from $published"
else
    echo "SKIP: no published trusted_root.json at hand to compare with"
fi
for f in ../shared/vectors/sigstore/trusted_root.staging.json \
    tests/.venv/lib/python3*/site-packages/sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstage.dev/trusted_root.json; do
    [ -f "$f" ] || continue
    cmp -s "$tmp/builtin-staging.json" "$f" && ok "the built-in staging root is Sigstore's file, byte for byte" ||
        bad "the built-in staging root differs from $f"
    break
done

C=$tmp/home/.cache/sigstore-python/tuf/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev
mkdir -p "$C"
cp "$tmp/builtin.json" "$C/trusted_root.json"
run "a cache as new as the built-in copy is used" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}" --json
[ "$(field "$tmp/out" trust_root_source)" = sigstore-python-cache ] && ok "source: sigstore-python-cache" || bad "source: $(cat "$tmp/out")"
field "$tmp/out" trust_root | grep -qF "$C/trusted_root.json" && ok "trust_root: the cache's path" || bad "trust_root: $(field "$tmp/out" trust_root)"
# a newer cache (a key Sigstore added later: here the newest start moved to 2030)
python3 - "$tmp/builtin.json" "$C/trusted_root.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
t = max(j["tlogs"], key=lambda e: e["publicKey"]["validFor"]["start"])
t["publicKey"]["validFor"]["start"] = "2030-01-01T00:00:00Z"
json.dump(j, open(sys.argv[2], "w"), indent=2)
PY
run "a newer cache" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}" --json
field "$tmp/out" trust_root | grep -q "sigstore-python's cached trust root.*2030-01-01" && ok "newer cache used, dated" ||
    bad "newer cache: $(field "$tmp/out" trust_root)"
run "no hint with a cached root" 1 'not enough sources of verified time' \
    "$OMSIG" verify sigstore "$M" --signature testdata/sigstore/tsa-bitflip.sig "${ID[@]}"
grep -q 'Pass --trust_config' "$tmp/err" && bad "hint with a cached root" || ok "the hint is for the built-in root only"
# an older cache (without the newest key) loses to the built-in copy
python3 - "$tmp/builtin.json" "$C/trusted_root.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
newest = max(j["tlogs"], key=lambda e: e["publicKey"]["validFor"]["start"])
j["tlogs"].remove(newest)
json.dump(j, open(sys.argv[2], "w"), indent=2)
PY
run "an older cache" 0 '"verdict":[[:space:]]*"success"' "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}" --json
[ "$(field "$tmp/out" trust_root_source)" = built-in ] && ok "older cache: the built-in copy" || bad "older cache: $(cat "$tmp/out")"
echo 'not json' >"$C/trusted_root.json"
run "a broken cache: a warning, the built-in copy" 0 "sigstore-python's cached trust root '.*' cannot be used" \
    "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}"
grep -qx 'Verification succeeded' "$tmp/out" && ok "broken cache: verified" || bad "broken cache: $(cat "$tmp/out" "$tmp/err")"
# $XDG_CACHE_HOME comes first
rm -rf "$tmp/home/.cache"
X=$tmp/xdg/sigstore-python/tuf/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev
mkdir -p "$X" && cp "$tmp/builtin.json" "$X/trusted_root.json"
run "XDG_CACHE_HOME" 0 '"verdict":[[:space:]]*"success"' env XDG_CACHE_HOME="$tmp/xdg" "$OMSIG" verify sigstore "$M" --signature $B "${ID[@]}" --json
field "$tmp/out" trust_root | grep -qF "$tmp/xdg/" && ok "XDG_CACHE_HOME's cache" || bad "xdg: $(field "$tmp/out" trust_root)"
# --trust_config wins over both
run "--trust_config" 0 '"verdict":[[:space:]]*"success"' env XDG_CACHE_HOME="$tmp/xdg" "$OMSIG" verify sigstore "$M" \
    --signature $B "${ID[@]}" --trust_config "$tmp/builtin.json" --json
[ "$(field "$tmp/out" trust_root_source)" = trust_config ] && ok "source: trust_config" || bad "trust_config: $(cat "$tmp/out")"
summary
