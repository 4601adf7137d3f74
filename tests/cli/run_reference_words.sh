#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Cases worded as model_signing words them: --ignore-paths naming the model's root ignores all
# of it (verify: every file missing; sign: no files), a model path that is a symlink given with
# a trailing slash is refused as a symlink (named without the slash), of two symlinks the one
# the reference meets first is named (a directory's entries before its subdirectories), and a
# file that cannot
# be opened is reported as Python's open() reports it ("[Errno 13] Permission denied: 'path'";
# run as an unprivileged user where setpriv is at hand, since root opens anything).
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
P=$PWD/testdata/pki
# shellcheck source=../lib.sh
. tests/lib.sh

cd "$tmp" || exit 1
mkdir -p m/d && echo a >m/a && echo b >m/d/b
"$OMSIG" sign key m --signature s.sig --private_key "$P/p256.key.pem" >/dev/null 2>&1
run "--ignore-paths the model root: verify" 1 "Missing files in model 'm': a, d/b" \
    "$OMSIG" verify key m --signature s.sig --public_key "$P/p256.pub.pem" --ignore-paths m
run "--ignore-paths the model root: sign" 1 "has no files" \
    "$OMSIG" sign key m --signature s2.sig --private_key "$P/p256.key.pem" --ignore-paths m
ln -s m lnk
run "symlinked model with a trailing slash" 1 "Cannot use 'lnk' because it is a symlink" \
    "$OMSIG" verify key lnk/ --signature s.sig --public_key "$P/p256.pub.pem"
run "symlinked model with a trailing slash, --allow_symlinks" 0 "Verification succeeded" \
    "$OMSIG" verify key lnk/ --signature s.sig --public_key "$P/p256.pub.pem" --allow_symlinks
# a directory's entries are all checked before its subdirectories: the top-level link is named
mkdir -p s/a/b && echo x >s/a/b/f && ln -s /etc/hostname s/a/b/deep && ln -s /etc/hostname s/top
run "first symlink named as the reference names it" 1 "Cannot use 's/top' because it is a symlink" \
    "$OMSIG" digest s
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$tmp" m m/d && chmod 644 s.sig m/d/b && chmod 000 m/a
    run "unreadable file" 1 "\[Errno 13\] Permission denied: 'm/a'" \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$OMSIG" verify key m --signature s.sig \
        --public_key "$P/p256.pub.pem"
    chmod 644 m/a
elif [ "$(id -u)" != 0 ]; then
    chmod 000 m/a
    run "unreadable file" 1 "\[Errno 13\] Permission denied: 'm/a'" \
        "$OMSIG" verify key m --signature s.sig --public_key "$P/p256.pub.pem"
    chmod 644 m/a
else
    echo "SKIP unreadable file: root without setpriv"
fi
summary
