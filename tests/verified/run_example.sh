#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The verified-load example on the sample models of testdata/: the signed model loads (every
# file it lists, with its size), a tampered one and a wrong key load nothing and exit 1.
set -uo pipefail
ex=$1
src=$2
data=$src/testdata/interop
key=$src/testdata/pki/p256.pub.pem
fail=0
out=$("$ex" "$data/models/nested" "$data/bundles/nested.sig" "$key" 2>&1)
rc=$?
if [ $rc -ne 0 ] || ! grep -qx "Verification succeeded" <<<"$out"; then
    echo "the signed model did not load (rc $rc): $out"; fail=1
fi
# every regular file the manifest covers is loaded with its size (the empty one too); git's
# files at the top (.gitignore, .github), which signing leaves out, are never loaded
n=0
while IFS= read -r -d '' f; do
    rel=${f#"$data/models/nested/"}
    size=$(stat -c %s "$f")
    case $rel in
    .git*) grep -q "^loaded $rel:" <<<"$out" && { echo "an ignored file was loaded: $rel"; fail=1; }
        continue ;;
    esac
    n=$((n + 1))
    grep -qxF "loaded $rel: $size bytes" <<<"$out" || { echo "not loaded: $rel ($size bytes)"; fail=1; }
done < <(find "$data/models/nested" -type f -print0)
grep -q "^$n files, " <<<"$out" || { echo "expected $n files: $out"; fail=1; }

out=$("$ex" "$data/models/tampered" "$data/bundles/nested.sig" "$key" 2>&1)
rc=$?
if [ $rc -ne 1 ] || grep -q "^loaded" <<<"$out" || ! grep -q "Signature mismatch" <<<"$out"; then
    echo "the tampered model: rc $rc: $out"; fail=1
fi
out=$("$ex" "$data/models/nested" "$data/bundles/nested.sig" "$src/testdata/pki/p384.pub.pem" 2>&1)
rc=$?
if [ $rc -ne 1 ] || grep -q "^loaded" <<<"$out"; then
    echo "a wrong key: rc $rc: $out"; fail=1
fi
[ $fail -eq 0 ] && echo "verified_load example: ok"
exit $fail
