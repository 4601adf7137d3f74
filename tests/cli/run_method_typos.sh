#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A mistyped method word (`verify certificat MODEL ...`) is "No such method", with click's
# "Did you mean" hint, or the list of methods when none is close; exit 2 as every usage error.
# Without a method word the first argument is the model, so the word is taken for a method only
# when no such path exists and another argument follows or it is close to a method's name.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
N=testdata/interop/models/nested
KB=testdata/interop/bundles/key-p256.sig

# err NAME WANT ARGS...: exit 2, stderr's last line is exactly "Error: WANT", and the usage line
# is the command's (click's for an unknown subcommand)
err() {
    local name=$1 want=$2
    shift 2
    "$OMSIG" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$? last first
    last=$(tail -n 1 "$tmp/err")
    first=$(head -n 1 "$tmp/err")
    if [ "$rc" = 2 ] && [ "$last" = "Error: $want" ]; then ok "$name"; else bad "$name (exit $rc): $last"; fi
    case $first in
    "Usage: omsig verify [OPTIONS] PKI_METHOD" | "Usage: omsig sign [OPTIONS] PKI_METHOD") ok "$name: usage line" ;;
    *) bad "$name: usage line: $first" ;;
    esac
}
err "verify certificat" "No such method 'certificat'. Did you mean 'certificate'?" \
    verify certificat "$N" --signature "$KB" --certificate_chain $P/root.cert.pem
err "verify keyy" "No such method 'keyy'. Did you mean 'key'?" \
    verify keyy "$N" --signature "$KB" --public_key $P/p256.pub.pem
err "verify sigstor" "No such method 'sigstor'. Did you mean 'sigstore'?" \
    verify sigstor "$N" --signature "$KB" --identity a --identity_provider b
err "verify keyy, no model after it" "No such method 'keyy'. Did you mean 'key'?" \
    verify keyy --signature "$KB" --public_key $P/p256.pub.pem
err "verify certificat, options first" "No such method 'certificat'. Did you mean 'certificate'?" \
    verify --signature "$KB" certificat "$N"
err "verify: nothing close" "No such method 'frobnicate'. The methods of 'omsig verify' are 'certificate', 'key', 'sigstore'." \
    verify frobnicate "$N" --signature "$KB" --public_key $P/p256.pub.pem
err "sign kye" "No such method 'kye'. Did you mean 'key'?" \
    sign kye "$N" --signature "$tmp/s.sig" --private_key $P/p256.key.pem
err "sign pkcs11-ky" "No such method 'pkcs11-ky'. Did you mean 'pkcs11-key'?" \
    sign pkcs11-ky "$N" --pkcs11_uri "pkcs11:token=t"
err "sign certficate (two close)" "No such method 'certficate'. (Did you mean one of: 'certificate', 'pkcs11-certificate'?)" \
    sign certficate "$N"
err "sign: nothing close" "No such method 'frobnicate'. The methods of 'omsig sign' are 'certificate', 'key', 'pkcs11-certificate', 'pkcs11-key', 'sigstore'." \
    sign frobnicate "$N"
[ -e "$tmp/s.sig" ] && bad "sign kye wrote a signature" || ok "sign kye wrote nothing"
run "hint in --json" 2 "" "$OMSIG" verify certificat "$N" --signature "$KB" --json
grep -q '"message":[[:space:]]*"No such method '"'certificat'"'. Did you mean '"'certificate'"'?"' "$tmp/out" &&
    grep -q '"kind":[[:space:]]*"usage"' "$tmp/out" && ok "hint: JSON usage document" || bad "hint: $(cat "$tmp/out")"

# what stays as it was: a model that exists is a model, whatever its name
mkdir -p "$tmp/w" && cp -r "$N" "$tmp/w/keyy"
(cd "$tmp/w" && "$OMSIG" verify keyy --signature "$OLDPWD/$KB" --public_key "$OLDPWD/$P/p256.pub.pem") >"$tmp/out" 2>&1 &&
    grep -qx "Verification succeeded" "$tmp/out" && ok "a model named keyy verifies" || bad "a model named keyy: $(cat "$tmp/out")"
err2() {
    local name=$1 want=$2
    shift 2
    "$OMSIG" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" = 2 ] && [ "$(tail -n 1 "$tmp/err")" = "Error: $want" ] && ok "$name" || bad "$name (exit $rc): $(tail -n 1 "$tmp/err")"
}
err2 "an existing model and an extra argument" "Got unexpected extra argument (extra)" \
    verify "$N" extra --signature "$KB" --public_key $P/p256.pub.pem
err2 "a word after a named method: a model path" "Missing option '--public_key'." \
    verify key frobnicate --signature "$KB"
err2 "the method named: extra argument as before" "Got unexpected extra argument (n)" \
    verify key m n --signature s --public_key p
run "a model that does not exist, not close to a method" 1 "Cannot use '$tmp/nope' as file or directory" \
    "$OMSIG" verify "$tmp/nope" --signature "$KB" --public_key $P/p256.pub.pem
summary
