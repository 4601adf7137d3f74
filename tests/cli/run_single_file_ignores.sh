#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A single-file model's statement records the git ignore paths as model_signing's does
# (.git, .gitattributes, .github, .gitignore; none with --no-ignore-git-paths), in files and
# shards manifests; a directory's is unchanged; both verify.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
mkdir -p "$tmp/d" && echo weights >"$tmp/d/w.bin"
# ignores BUNDLE: the recorded ignore paths, sorted, space-separated ("-" for none)
ignores() {
    python3 - "$1" <<'PY'
import base64, json, sys
s = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"]))
print(" ".join(sorted(s["predicate"]["serialization"].get("ignore_paths", []))) or "-")
PY
}
git=".git .gitattributes .github .gitignore"
run "sign a single file" 0 '^Signing succeeded$' "$OMSIG" sign key "$tmp/d/w.bin" --signature "$tmp/a.sig" --private_key $P/p256.key.pem
[ "$(ignores "$tmp/a.sig")" = "$git" ] && ok "the git paths are recorded" || bad "recorded: $(ignores "$tmp/a.sig")"
run "  it verifies" 0 '^Verification succeeded$' "$OMSIG" verify key "$tmp/d/w.bin" --signature "$tmp/a.sig" --public_key $P/p256.pub.pem
run "--no-ignore-git-paths" 0 '^Signing succeeded$' "$OMSIG" sign key "$tmp/d/w.bin" --signature "$tmp/b.sig" --private_key $P/p256.key.pem --no-ignore-git-paths
[ "$(ignores "$tmp/b.sig")" = - ] && ok "none recorded" || bad "recorded: $(ignores "$tmp/b.sig")"
run "a single file in shards" 0 '^Signing succeeded$' "$OMSIG" sign key "$tmp/d/w.bin" --signature "$tmp/c.sig" --private_key $P/p256.key.pem --shard-size 3
[ "$(ignores "$tmp/c.sig")" = "$git" ] && ok "shards: the git paths are recorded" || bad "shards: $(ignores "$tmp/c.sig")"
run "  it verifies" 0 '^Verification succeeded$' "$OMSIG" verify key "$tmp/d/w.bin" --signature "$tmp/c.sig" --public_key $P/p256.pub.pem
run "a directory" 0 '^Signing succeeded$' "$OMSIG" sign key "$tmp/d" --signature "$tmp/e.sig" --private_key $P/p256.key.pem
[ "$(ignores "$tmp/e.sig")" = "$git" ] && ok "directory: the git paths" || bad "directory: $(ignores "$tmp/e.sig")"
MS=tests/.venv/bin/model_signing
if [ -x "$MS" ] && "$MS" --version >/dev/null 2>&1; then
    "$MS" sign key "$tmp/d/w.bin" --signature "$tmp/ref.sig" --private_key $P/p256.key.pem >/dev/null 2>&1
    [ "$(ignores "$tmp/ref.sig")" = "$(ignores "$tmp/a.sig")" ] && ok "the same as model_signing's" ||
        bad "model_signing records $(ignores "$tmp/ref.sig")"
    run "model_signing verifies omsig's" 0 'Verification succeeded' "$MS" verify key "$tmp/d/w.bin" --signature "$tmp/a.sig" --public_key $P/p256.pub.pem
fi
summary
