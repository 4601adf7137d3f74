#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage errors in click's words: "No such option '--x'." with its "Did you mean" hint (difflib's
# close matches among model_signing's spellings), "No such command 'x'.", an option without
# its value or a flag with one (no usage lines), a single-dash option taken letter by letter.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh

# err NAME WANT ARGS...: exit 2 and stderr's last line is exactly "Error: WANT"
err() {
    local name=$1 want=$2
    shift 2
    "$OMSIG" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? last
    last=$(tail -n 1 "$tmp/err")
    if [ "$rc" = 2 ] && [ "$last" = "Error: $want" ]; then ok "$name"; else bad "$name (exit $rc): $last"; fi
}
# The messages model_signing 1.1.1 prints for the same command lines (the interop test runs
# them through both tools).
err "--signatur" "No such option '--signatur'. Did you mean '--signature'?" verify key m --signatur s
err "--sig" "No such option '--sig'. Did you mean '--signature'?" verify key m --sig s
err "--public-ky" "No such option '--public-ky'. Did you mean '--public_key'?" verify key m --public-ky p
err "--ignore_path" "No such option '--ignore_path'. (Did you mean one of: '--ignore-git-paths', '--ignore-paths', '--no-ignore-git-paths'?)" verify key m --ignore_path x
err "--ignore-git" "No such option '--ignore-git'. (Did you mean one of: '--ignore-git-paths', '--ignore-paths', '--no-ignore-git-paths'?)" verify key m --ignore-git
err "--certificate_chan" "No such option '--certificate_chan'. Did you mean '--certificate_chain'?" verify certificate m --certificate_chan c
err "--identity_provder" "No such option '--identity_provder'. (Did you mean one of: '--identity', '--identity_provider'?)" verify sigstore m --identity_provder x
err "--private-kye" "No such option '--private-kye'. Did you mean '--private_key'?" sign key m --private-kye k
err "--no (nothing close)" "No such option '--no'." verify key m --no
err "--cert (nothing close)" "No such option '--cert'." verify certificate m --cert x
err "--bogus=1" "No such option '--bogus'." verify key m --bogus=1
err "-x" "No such option '-x'." verify key m -x
err "-signature: letter by letter" "No such option '-s'." verify key m -signature x
err "verfy" "No such command 'verfy'. Did you mean 'verify'?" verfy m
err "sgn" "No such command 'sgn'. Did you mean 'sign'?" sgn m
err "frobnicate" "No such command 'frobnicate'." frobnicate
err "top level --log-levl" "No such option '--log-levl'. Did you mean '--log-level'?" --log-levl DEBUG verify
err "top level --verison" "No such option '--verison'. Did you mean '--version'?" --verison
err "value missing" "Option '--signature' requires an argument." verify key m --signature
[ "$(wc -l <"$tmp/err")" = 1 ] && ok "value missing: no usage lines" || bad "value missing: $(cat "$tmp/err")"
err "flag with a value" "Option '--allow_symlinks' does not take a value." verify key m --allow_symlinks=1
err "extra argument (after what is missing)" "Missing option '--signature'." verify key m n
err "extra argument" "Got unexpected extra argument (n)" verify key m n --signature s --public_key p
# omsig's own flags get a hint when none of model_signing's is close
err "--hashr" "No such option '--hashr'. (Did you mean one of: '--hash', '--hasher'?)" sign key m --hashr cpu
# the hint is a JSON document too
run "hint in --json" 2 "Did you mean '--signature'\\?" "$OMSIG" verify key m --signatur s --json
grep -q '"kind":[[:space:]]*"usage"' "$tmp/out" && ok "hint: JSON usage document" || bad "hint: $(cat "$tmp/out")"
summary
