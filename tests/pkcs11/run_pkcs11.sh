#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# PKCS #11 signing against a real token: a SoftHSM2 token in a private SOFTHSM2_CONF folder,
# EC keys on P-256, P-384 and P-521 (and an RSA key) generated in it with pkcs11-tool, their
# public keys exported, a leaf certificate for each issued by a throwaway CA.  omsig signs with
# `sign pkcs11-key` and `sign pkcs11-certificate` on each curve and verifies; with INTEROP=1
# model_signing 1.1.1 (tests/.venv) verifies the bundles too.  Every bad input fails with its
# message (one line on stderr) and exit 1, writes no bundle and leaves an old one as it was.
# Usage: run_pkcs11.sh OMSIG [PKCS11_THREADS] (tests/pkcs11/pkcs11_threads.c: signs from
# several threads of one process at once).  Exit 77 when softhsm2/opensc are missing (and cannot be
# installed: not root), this omsig has no pkcs11 feature, or (INTEROP=1) no reference.
set -u
OMSIG=$(realpath "$1")
THREADS_TOOL=${2:+$(realpath "$2")}
cd "$(dirname "$0")/../.." || exit 1
REF=$PWD/tests/.venv/bin/model_signing
if [ "${INTEROP:-0}" = 1 ] && [ ! -x "$REF" ]; then
    echo "SKIP: reference model_signing not installed in tests/.venv" >&2
    exit 77
fi
# shellcheck source=../lib.sh
. tests/lib.sh
need_feature pkcs11

need=()
command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing: ${need[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null 2>&1; } ||
            { echo "SKIP: cannot install ${need[*]}"; exit 77; }
    else
        echo "SKIP: missing ${need[*]} (apt-get install -y ${need[*]})"
        exit 77
    fi
fi
MODULE=
for f in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so \
    /usr/lib64/softhsm/libsofthsm2.so /usr/local/lib/softhsm/libsofthsm2.so; do
    [ -f "$f" ] && { MODULE=$f; break; }
done
[ -n "$MODULE" ] || { echo "SKIP: libsofthsm2.so not found"; exit 77; }

# ---- the token ---------------------------------------------------------------------------------
export SOFTHSM2_CONF=$tmp/softhsm2.conf
TOKENS=$tmp/tokens
mkdir -p "$TOKENS"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$TOKENS" >"$SOFTHSM2_CONF"
PIN=1234
TOKEN=omsig-test
softhsm2-util --init-token --free --label "$TOKEN" --pin "$PIN" --so-pin 5678 >"$tmp/init.log" 2>&1 ||
    { cat "$tmp/init.log"; echo "SKIP: softhsm2-util cannot make a token here"; exit 77; }
SLOT=$(grep -o 'reassigned to slot [0-9]*' "$tmp/init.log" | grep -o '[0-9]*$')
p11tool() { pkcs11-tool --module "$MODULE" --token-label "$TOKEN" --login --pin "$PIN" "$@"; }
for k in p256:prime256v1:01 p384:secp384r1:02 p521:secp521r1:03; do
    IFS=: read -r label curve id <<<"$k"
    p11tool --keypairgen --key-type "EC:$curve" --id "$id" --label "$label" >/dev/null 2>&1 ||
        { echo "FAIL: pkcs11-tool cannot make an EC key on $curve"; exit 1; }
done
p11tool --keypairgen --key-type rsa:2048 --id 04 --label rsa >/dev/null 2>&1 ||
    { echo "FAIL: pkcs11-tool cannot make an RSA key"; exit 1; }

# hex digits to bytes on stdout
unhex() { printf '%b' "$(sed 's/../\\x&/g' <<<"$1")"; }
# a DER length for n bytes, in hex
der_len() {
    if [ "$1" -lt 128 ]; then printf '%02x' "$1"
    elif [ "$1" -lt 256 ]; then printf '81%02x' "$1"
    else printf '82%04x' "$1"; fi
}
# export_pub LABEL OUT.pem: the public key object's CKA_EC_PARAMS and CKA_EC_POINT (as
# pkcs11-tool lists them) made into a SubjectPublicKeyInfo here, so that the key the test
# trusts comes from the token by a path that does not go through libp11
export_pub() {
    local label=$1 out=$2 params point
    read -r params point < <(pkcs11-tool --module "$MODULE" --token-label "$TOKEN" -O --type pubkey 2>/dev/null |
        awk -v want="$label" '
            /^Public Key Object/ { p = ""; q = "" }
            /EC_POINT:/ { q = $2 } /EC_PARAMS:/ { p = $2 }
            /label:/ { if ($2 == want) { print p, q; exit } }')
    [ -n "$point" ] || return 1
    # CKA_EC_POINT is a DER OCTET STRING: its content is the point
    if [ "${point:2:2}" = 81 ]; then point=${point:6}; else point=${point:4}; fi
    local alg="06072a8648ce3d0201$params"
    alg="30$(der_len $((${#alg} / 2)))$alg"
    local bits="00$point"
    bits="03$(der_len $((${#bits} / 2)))$bits"
    local spki="$alg$bits"
    spki="30$(der_len $((${#spki} / 2)))$spki"
    unhex "$spki" >"$tmp/$label.pub.der"
    openssl pkey -pubin -inform DER -in "$tmp/$label.pub.der" -out "$out" 2>/dev/null
}
for c in p256 p384 p521; do
    export_pub "$c" "$tmp/$c.pub.pem" || { echo "FAIL: cannot export the $c public key"; exit 1; }
done

# a throwaway CA and a code-signing leaf for each token key
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ca.key" \
    -out "$tmp/ca.pem" -subj "/CN=omsig test PKCS11 CA" -days 2 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    >/dev/null 2>&1 || { echo "FAIL: cannot make the CA"; exit 1; }
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >"$tmp/leaf.ext"
for c in p256 p384 p521; do
    openssl x509 -new -subj "/CN=omsig test $c token key" -force_pubkey "$tmp/$c.pub.pem" \
        -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -days 2 -extfile "$tmp/leaf.ext" \
        -out "$tmp/leaf-$c.pem" >/dev/null 2>&1 || { echo "FAIL: cannot issue the $c leaf"; exit 1; }
done

M=$tmp/model
mkdir -p "$M/sub"
printf 'weights\n' >"$M/weights.bin"
head -c 100000 /dev/urandom >"$M/sub/big.bin"
printf 'config' >"$M/config.json"

uri() { # uri OBJECT [QUERY-EXTRA]: the URI of a key of the test token, with the PIN
    echo "pkcs11:token=$TOKEN;object=$1?module-path=$MODULE&pin-value=$PIN${2:+&$2}"
}

# ---- each method and curve -------------------------------------------------------------------
for c in p256 p384 p521; do
    run "pkcs11-key $c: sign" 0 '^Signing succeeded$' \
        "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/key-$c.sig" --pkcs11_uri "$(uri $c)"
    run "pkcs11-key $c: omsig verifies" 0 '^Verification succeeded$' \
        "$OMSIG" verify key "$M" --signature "$tmp/key-$c.sig" --public_key "$tmp/$c.pub.pem"
    run "pkcs11-certificate $c: sign" 0 '^Signing succeeded$' \
        "$OMSIG" sign pkcs11-certificate "$M" --signature "$tmp/cert-$c.sig" --pkcs11_uri "$(uri $c)" \
        --signing_certificate "$tmp/leaf-$c.pem"
    run "pkcs11-certificate $c: omsig verifies" 0 '^Verification succeeded$' \
        "$OMSIG" verify certificate "$M" --signature "$tmp/cert-$c.sig" --certificate_chain "$tmp/ca.pem"
    if [ "${INTEROP:-0}" = 1 ]; then
        run "pkcs11-key $c: model_signing verifies" 0 'Verification succeeded' \
            "$REF" verify key "$M" --signature "$tmp/key-$c.sig" --public_key "$tmp/$c.pub.pem"
        run "pkcs11-certificate $c: model_signing verifies" 0 'Verification succeeded' \
            "$REF" verify certificate "$M" --signature "$tmp/cert-$c.sig" --certificate_chain "$tmp/ca.pem"
    fi
done
# the leaf must be within its validity period (2 days from now): checked as if 10 days later,
# and a day before (OMSIG_TEST_NOW, a test hook)
if has_feature test-hooks; then
    run "pkcs11-certificate: an expired leaf is refused" 1 "^Signing failed with error: The signing certificate has expired: 'CN=omsig test p256 token key' is valid from " \
        env OMSIG_TEST_NOW=$(($(date +%s) + 10 * 86400)) "$OMSIG" sign pkcs11-certificate "$M" \
        --signature "$tmp/expired.sig" --pkcs11_uri "$(uri p256)" --signing_certificate "$tmp/leaf-p256.pem"
    run "pkcs11-certificate: a leaf not yet valid is refused" 1 "The signing certificate is not yet valid: 'CN=omsig test p256 token key'" \
        env OMSIG_TEST_NOW=$(($(date +%s) - 86400)) "$OMSIG" sign pkcs11-certificate "$M" \
        --signature "$tmp/expired.sig" --pkcs11_uri "$(uri p256)" --signing_certificate "$tmp/leaf-p256.pem"
    [ ! -e "$tmp/expired.sig" ] && ok "no bundle for a leaf outside its validity" || bad "a bundle was written for a leaf outside its validity"
fi
# the bundle is the key method's: the same key hint as a PEM key of the same public key gives
hint() { grep -o '"hint":"[0-9a-f]*"' "$1"; }
# a key of another curve fails as the key method's mismatch does
run "pkcs11-key p256 bundle: another key fails" 1 'Key mismatch' \
    "$OMSIG" verify key "$M" --signature "$tmp/key-p256.sig" --public_key "$tmp/p384.pub.pem"
[ -n "$(hint "$tmp/key-p256.sig")" ] && ok "pkcs11-key bundle has a key hint" || bad "pkcs11-key bundle has no key hint"
echo tampered >>"$M/weights.bin"
run "pkcs11-key p384: a changed model fails" 1 'weights.bin' \
    "$OMSIG" verify key "$M" --signature "$tmp/key-p384.sig" --public_key "$tmp/p384.pub.pem"
printf 'weights\n' >"$M/weights.bin"

# several threads of one process, each loading the module, signing and unloading it
if [ -n "$THREADS_TOOL" ]; then
    mkdir -p "$tmp/threads"
    run "library: 4 threads sign at once with the token" 0 '40 signatures from 4 threads, 0 failed' \
        "$THREADS_TOOL" "$(uri p384)" "$M" "$tmp/threads"
    run "  ... and a bundle of theirs verifies" 0 'succeeded' \
        "$OMSIG" verify key "$M" --signature "$tmp/threads/thread2.sig" --public_key "$tmp/p384.pub.pem"
fi

# ---- the URI forms -------------------------------------------------------------------------------
run "URI: id= instead of object=" 0 '^Signing succeeded$' \
    "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f1.sig" \
    --pkcs11_uri "pkcs11:token=$TOKEN;id=%02?module-path=$MODULE&pin-value=$PIN"
run "URI: id= is the P-384 key" 0 'succeeded' \
    "$OMSIG" verify key "$M" --signature "$tmp/f1.sig" --public_key "$tmp/p384.pub.pem"
if [ -n "$SLOT" ]; then
    run "URI: slot-id= instead of token=" 0 '^Signing succeeded$' \
        "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f2.sig" \
        --pkcs11_uri "pkcs11:slot-id=$SLOT;object=p521;id=%03?module-path=$MODULE&pin-value=$PIN"
    run "URI: slot-id= with another token's label" 1 "is not called 'other'" \
        "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f2b.sig" \
        --pkcs11_uri "pkcs11:slot-id=$SLOT;token=other;object=p521?module-path=$MODULE&pin-value=$PIN"
fi
run "URI: module-name= in the module-path= folder" 0 '^Signing succeeded$' \
    "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f3.sig" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$(dirname "$MODULE")&module-name=libsofthsm2&pin-value=$PIN"
printf '%s\n' "$PIN" >"$tmp/pin.txt"
run "URI: pin-source=file: (a line with its newline)" 0 '^Signing succeeded$' \
    "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f4.sig" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$MODULE&pin-source=file:$tmp/pin.txt"
run "URI: pin-source= as a path" 0 '^Signing succeeded$' \
    "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f5.sig" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$MODULE&pin-source=$tmp/pin.txt"
run "URI: percent-encoded token label" 0 '^Signing succeeded$' \
    "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f6.sig" \
    --pkcs11_uri "pkcs11:token=omsig%2Dtest;object=p%32%356?module-path=$MODULE&pin-value=$PIN"
run "no method word: --pkcs11_uri is pkcs11-key" 0 '^Signing succeeded$' \
    "$OMSIG" sign "$M" --signature "$tmp/f7.sig" --pkcs11_uri "$(uri p256)"
run "no method word: with --signing_certificate, pkcs11-certificate" 0 '^Signing succeeded$' \
    "$OMSIG" sign "$M" --signature "$tmp/f8.sig" --pkcs11_uri "$(uri p256)" \
    --signing_certificate "$tmp/leaf-p256.pem"
run "  ... which verifies as a certificate bundle" 0 'succeeded' \
    "$OMSIG" verify certificate "$M" --signature "$tmp/f8.sig" --certificate_chain "$tmp/ca.pem"
run "--pkcs11_uri with --private_key: conflict, usage error" 2 'Conflicting options' \
    "$OMSIG" sign "$M" --signature "$tmp/f9.sig" --pkcs11_uri "$(uri p256)" --private_key x.pem
run "pkcs11-key without --pkcs11_uri: usage error" 2 "Missing option '--pkcs11_uri'" \
    "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/f10.sig"
run "pkcs11-certificate without --signing_certificate: usage error" 2 "Missing option '--signing_certificate'" \
    "$OMSIG" sign pkcs11-certificate "$M" --signature "$tmp/f11.sig" --pkcs11_uri "$(uri p256)"
run "pkcs11-key --help names the URI forms" 0 'pin-source=' "$OMSIG" sign pkcs11-key --help
# no PIN in the URI, on a terminal: asked for without echo (script(1) gives a terminal; the
# PIN is typed after the prompt, as the prompt discards what was typed before it)
if command -v script >/dev/null 2>&1; then
    rm -f "$tmp/tty.sig"
    (sleep 1; printf '%s\n' "$PIN") | timeout 60 script -qec "'$OMSIG' sign pkcs11-key '$M' --signature '$tmp/tty.sig' --pkcs11_uri 'pkcs11:token=$TOKEN;object=p256?module-path=$MODULE'" /dev/null >"$tmp/tty.out" 2>&1
    rc=$?
    if [ $rc = 0 ] && grep -q 'PIN of the PKCS #11 token: ' "$tmp/tty.out" && grep -q 'Signing succeeded' "$tmp/tty.out" &&
        ! grep -q "$PIN" "$tmp/tty.out"; then
        ok "no PIN in the URI: asked on the terminal, not echoed"
    else
        bad "PIN on the terminal (exit $rc): $(head -c 600 "$tmp/tty.out")"
    fi
    run "  ... and the bundle verifies" 0 'succeeded' \
        "$OMSIG" verify key "$M" --signature "$tmp/tty.sig" --public_key "$tmp/p256.pub.pem"
fi

# ---- bad inputs: exit 1, a clear message, no bundle written, an old bundle left as it was -----
cp "$tmp/key-p256.sig" "$tmp/good.sig"
# refuse NAME PATTERN ARGS...: sign ARGS... onto a new path and onto an old bundle
refuse() {
    local name=$1 pat=$2
    shift 2
    rm -f "$tmp/new.sig"
    run "$name" 1 "$pat" "$OMSIG" sign "$@" --signature "$tmp/new.sig" </dev/null
    [ -e "$tmp/new.sig" ] && bad "$name: a bundle was written"
    # omsig's one line, nothing printed by libp11 or the module
    [ "$(wc -l <"$tmp/err")" = 1 ] || bad "$name: more than one line on stderr: $(head -c 400 "$tmp/err")"
    cp "$tmp/good.sig" "$tmp/old.sig"
    "$OMSIG" sign "$@" --signature "$tmp/old.sig" </dev/null >/dev/null 2>&1
    cmp -s "$tmp/old.sig" "$tmp/good.sig" && ok "$name: the old bundle is untouched" ||
        bad "$name: the old bundle changed"
    if compgen -G "$tmp/*.sig.tmp*" >/dev/null; then bad "$name: a temporary file was left"; fi
}
refuse "wrong PIN" "Wrong PIN for the PKCS #11 token '$TOKEN'" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$MODULE&pin-value=9999"
refuse "token not there" "Could not find a token with label 'no-such-token'" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=no-such-token;object=p256?module-path=$MODULE&pin-value=$PIN"
refuse "object not there" "Could not find any private key with label 'no-such-key'" pkcs11-key "$M" \
    --pkcs11_uri "$(uri no-such-key)"
refuse "id not there" "Could not find any private key with id %09" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;id=%09?module-path=$MODULE&pin-value=$PIN"
refuse "module path that does not exist" "Cannot load the PKCS #11 module '$tmp/no-such-module.so'" \
    pkcs11-key "$M" --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$tmp/no-such-module.so&pin-value=$PIN"
printf 'not a shared library\n' >"$tmp/not-a-module.so"
refuse "module path that does not load" "Cannot load the PKCS #11 module '$tmp/not-a-module.so'" \
    pkcs11-key "$M" --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$tmp/not-a-module.so&pin-value=$PIN"
notp11=$(ldd "$OMSIG" | awk '/libcrypto/ { print $3; exit }')
if [ -f "$notp11" ]; then
    refuse "a shared library that is not a PKCS #11 module" "it is not a PKCS #11 module \\(no C_GetFunctionList\\)" \
        pkcs11-key "$M" --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$notp11&pin-value=$PIN"
fi
refuse "module-name not found" "No module 'no-such-module' could be found" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-name=no-such-module&pin-value=$PIN"
refuse "RSA key in the token" "Only elliptic curve keys are supported .*RSA" pkcs11-key "$M" \
    --pkcs11_uri "$(uri rsa)"
refuse "certificate of another key" "does not belong to the private key in the PKCS #11 token" \
    pkcs11-certificate "$M" --pkcs11_uri "$(uri p256)" --signing_certificate "$tmp/leaf-p384.pem"
refuse "no PIN and no terminal" "needs its PIN: put it in the URI's query as pin-value=PIN or pin-source=" \
    pkcs11-key "$M" --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$MODULE"
refuse "pin-source file missing" "Cannot read the PIN from '$tmp/no-pin.txt'" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$MODULE&pin-source=file:$tmp/no-pin.txt"
refuse "not a pkcs11: URI" "missing 'pkcs11:' prefix" pkcs11-key "$M" --pkcs11_uri "token=$TOKEN"
refuse "URI without a key" "Neither 'id' nor 'object'" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN?module-path=$MODULE&pin-value=$PIN"
refuse "URI without a token" "names no token" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:object=p256?module-path=$MODULE&pin-value=$PIN"
refuse "URI without a module" "names no module" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?pin-value=$PIN"
refuse "pin-value and pin-source both" "must not contain pin-source and pin-value" pkcs11-key "$M" \
    --pkcs11_uri "$(uri p256 "pin-source=$tmp/pin.txt")"
refuse "relative module-path" "must be absolute" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=libsofthsm2.so&pin-value=$PIN"
refuse "bad percent escape" "not followed by two hex digits" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p2%5?module-path=$MODULE&pin-value=$PIN"
# the PIN never appears in a message, even when the URI around it is wrong
refuse "bad percent escape in the PIN" "'pin-value' has a '%' that is not" pkcs11-key "$M" \
    --pkcs11_uri "pkcs11:token=$TOKEN;object=p256?module-path=$MODULE&pin-value=98%7"
if grep -q "98%7" "$tmp/out" "$tmp/err"; then bad "a message shows the PIN"; else ok "the message does not show the PIN"; fi
refuse "not a pkcs11: URI, with a PIN" "missing 'pkcs11:' prefix: pkcs:token=$TOKEN\$" pkcs11-key "$M" \
    --pkcs11_uri "pkcs:token=$TOKEN?pin-value=9876"
if grep -q "9876" "$tmp/out" "$tmp/err"; then bad "a message shows the PIN"; else ok "the message does not show the PIN"; fi

# the token taken away: its directory deleted before the run, and (test hook) between the login
# and the signature
cp -a "$TOKENS" "$tmp/tokens.saved"
rm -rf "${TOKENS:?}"/*
refuse "token directory deleted before the run" "Could not find a token with label '$TOKEN'" \
    pkcs11-key "$M" --pkcs11_uri "$(uri p256)"
rm -rf "$TOKENS" && cp -a "$tmp/tokens.saved" "$TOKENS"
run "token restored: signs again" 0 '^Signing succeeded$' \
    "$OMSIG" sign pkcs11-key "$M" --signature "$tmp/r.sig" --pkcs11_uri "$(uri p256)"
if has_feature test-hooks; then
    # midrun OUT: sign onto OUT, delete the token directory once logged in, let it go on
    midrun() {
        rm -f "$tmp/ready" "$tmp/go"
        OMSIG_FAULT_PKCS11_PAUSE="$tmp/ready:$tmp/go" "$OMSIG" sign pkcs11-key "$M" \
            --signature "$1" --pkcs11_uri "$(uri p256)" >"$tmp/out" 2>"$tmp/err" </dev/null &
        local pid=$! i
        for i in $(seq 300); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
        rm -rf "${TOKENS:?}"/*
        touch "$tmp/go"
        wait "$pid"
        local rc=$?
        rm -rf "$TOKENS" && cp -a "$tmp/tokens.saved" "$TOKENS"
        return $rc
    }
    rm -f "$tmp/new.sig"
    midrun "$tmp/new.sig"
    rc=$?
    if [ $rc = 1 ] && grep -q "The PKCS #11 token '$TOKEN' could not sign" "$tmp/err" && [ ! -e "$tmp/new.sig" ]; then
        ok "token directory deleted mid-run: exit 1, no bundle ($(tail -1 "$tmp/err"))"
    else
        bad "token directory deleted mid-run (exit $rc): $(cat "$tmp/out" "$tmp/err" | head -c 600)"
    fi
    cp "$tmp/good.sig" "$tmp/old.sig"
    midrun "$tmp/old.sig"
    cmp -s "$tmp/old.sig" "$tmp/good.sig" && ok "token deleted mid-run: the old bundle is untouched" ||
        bad "token deleted mid-run: the old bundle changed"
fi
summary
