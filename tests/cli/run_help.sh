#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Help lists what model_signing's does: the top level every command and method, `sign --help`
# and `verify --help` (and the bare `sign`, `verify`, exit 2 on stderr, as click does) the
# methods, each method's help every flag model_signing 1.1.1 has for it (in either spelling).
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh

# has NAME WORD...: every WORD (grep -E, whole word) in $tmp/out
has() {
    local name=$1 w miss=
    shift
    for w in "$@"; do grep -qE -- "(^|[^[:alnum:]_-])$w([^[:alnum:]_-]|$)" "$tmp/out" || miss="$miss $w"; done
    if [ -z "$miss" ]; then ok "$name"; else bad "$name: missing$miss"; fi
}

run "omsig --help" 0 '^Usage: omsig \[OPTIONS\] COMMAND \[ARGS\]\.\.\.$' "$OMSIG" --help
has "top level: commands and options" sign verify digest bench --version --log-level --help
has "top level: every method" "verify key" "verify certificate" "verify sigstore" "sign key" \
    "sign certificate" "sign sigstore" "sign pkcs11-key" "sign pkcs11-certificate"
run "omsig -h" 0 '^Commands:$' "$OMSIG" -h
run "omsig alone: help on stderr, exit 2" 2 '^Commands:$' "$OMSIG"
[ -s "$tmp/out" ] && bad "omsig alone wrote to stdout" || ok "omsig alone: stdout empty"

run "verify --help" 0 '^Usage: omsig verify \[OPTIONS\] PKI_METHOD$' "$OMSIG" verify --help
has "verify --help: methods" certificate key sigstore
run "sign --help" 0 '^Usage: omsig sign \[OPTIONS\] PKI_METHOD$' "$OMSIG" sign --help
has "sign --help: methods" certificate key pkcs11-certificate pkcs11-key sigstore
run "verify -h" 0 '^  sigstore ' "$OMSIG" verify -h
run "verify alone: the methods on stderr, exit 2" 2 '^  certificate ' "$OMSIG" verify
[ -s "$tmp/out" ] && bad "verify alone wrote to stdout" || ok "verify alone: stdout empty"
run "sign alone: the methods on stderr, exit 2" 2 '^  pkcs11-key ' "$OMSIG" sign
run "sign --help --json is a document" 0 '"help":' "$OMSIG" sign --help --json

# model_signing 1.1.1's flags for each method (its --help), each in omsig's help, where flags
# are shown with hyphens
flags_of() {
    case $1 in
    "verify key") echo --signature --ignore-paths --ignore-git-paths --no-ignore-git-paths --allow_symlinks --public_key --ignore_unsigned_files --no-ignore_unsigned_files ;;
    "verify certificate") echo --signature --ignore-paths --ignore-git-paths --no-ignore-git-paths --allow_symlinks --certificate_chain --log_fingerprints --ignore_unsigned_files --no-ignore_unsigned_files ;;
    "verify sigstore") echo --signature --ignore-paths --ignore-git-paths --no-ignore-git-paths --allow_symlinks --use_staging --trust_config --identity --identity_provider --ignore_unsigned_files --no-ignore_unsigned_files ;;
    "sign key") echo --ignore-paths --ignore-git-paths --no-ignore-git-paths --allow_symlinks --signature --private_key --password ;;
    "sign certificate") echo --ignore-paths --ignore-git-paths --no-ignore-git-paths --allow_symlinks --signature --private_key --signing_certificate --certificate_chain ;;
    "sign pkcs11-key") echo --ignore-paths --ignore-git-paths --no-ignore-git-paths --allow_symlinks --signature --pkcs11_uri ;;
    "sign pkcs11-certificate") echo --ignore-paths --ignore-git-paths --no-ignore-git-paths --allow_symlinks --signature --pkcs11_uri --signing_certificate --certificate_chain ;;
    esac
}
for m in "verify key" "verify certificate" "verify sigstore" "sign key" "sign certificate" \
    "sign pkcs11-key" "sign pkcs11-certificate"; do
    # shellcheck disable=SC2086
    run "$m --help" 0 "^Usage: omsig $m \\[OPTIONS\\] MODEL_PATH$" "$OMSIG" $m --help
    # shellcheck disable=SC2046
    has "$m: model_signing's flags" $(flags_of "$m" | tr _ -) -h --help
    # and each spelling works
    for f in $(flags_of "$m"); do
        # shellcheck disable=SC2086
        "$OMSIG" $m "$f" x --help >/dev/null 2>&1 || "$OMSIG" $m "$f" --help >/dev/null 2>&1 ||
            bad "$m accepts $f"
    done
done
run "sign sigstore --help: not offered" 0 'not offered' "$OMSIG" sign sigstore --help
# PKCS #11 (tests/pkcs11 signs with a token): a build without libp11 says so, exit 1
if has_feature pkcs11; then
    run "sign pkcs11-key: a bad URI fails, exit 1" 1 "missing 'pkcs11:' prefix" "$OMSIG" sign pkcs11-key m --pkcs11_uri x
else
    run "sign pkcs11-key: no PKCS#11 support, exit 1" 1 'this build has no PKCS#11 support' "$OMSIG" sign pkcs11-key m --pkcs11_uri pkcs11:x
fi
run "sign pkcs11-certificate without its flags: usage error" 2 "Missing option '--pkcs11_uri'" "$OMSIG" sign pkcs11-certificate m
summary
