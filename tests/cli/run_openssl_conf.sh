#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# OpenSSL's configuration file: verify key and digest start without the system's file, but a
# file named by OPENSSL_CONF is read (a configuration that allows only FIPS algorithms, with no
# FIPS provider, makes verify fail); verify certificate (a system crypto policy applies to its
# chains) and sign read the system's file as before.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=$PWD/testdata/pki
M=testdata/interop/models/nested
S=testdata/interop/bundles/nested.sig

printf 'openssl_conf = init\n[init]\nalg_section = algs\n[algs]\ndefault_properties = fips=yes\n' \
    >"$tmp/fips-only.cnf"
printf '# nothing\n' >"$tmp/empty.cnf"

run "verify without OPENSSL_CONF" 0 'Verification succeeded' \
    env -u OPENSSL_CONF "$OMSIG" verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem"
run "verify with OPENSSL_CONF of an empty file" 0 'Verification succeeded' \
    env OPENSSL_CONF="$tmp/empty.cnf" "$OMSIG" verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem"
run "verify with OPENSSL_CONF allowing only FIPS algorithms: the file is read" 1 'Verification failed' \
    env OPENSSL_CONF="$tmp/fips-only.cnf" "$OMSIG" verify key "$M" --signature "$S" --public_key "$P/p256.pub.pem"
run "digest with OPENSSL_CONF of an empty file" 0 '^sha256:' \
    env OPENSSL_CONF="$tmp/empty.cnf" "$OMSIG" digest "$M"

# which files are opened: only where strace is installed and works here (LeakSanitizer does
# not run under ptrace)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
conf=$(openssl version -d 2>/dev/null | sed -n 's/^OPENSSLDIR: "\(.*\)"$/\1/p')/openssl.cnf
if [ -f "$conf" ] && command -v strace >/dev/null 2>&1 && strace -f -e trace=none true 2>/dev/null; then
    strace -f -e trace=open,openat -o "$tmp/trace" env -u OPENSSL_CONF "$OMSIG" verify key "$M" \
        --signature "$S" --public_key "$P/p256.pub.pem" >/dev/null 2>&1
    if grep -qF "\"$conf\"" "$tmp/trace"; then bad "verify opened $conf"; else ok "verify does not open $conf"; fi
    strace -f -e trace=open,openat -o "$tmp/trace" env -u OPENSSL_CONF "$OMSIG" verify certificate "$M" \
        --signature testdata/interop/bundles/cert-p256.sig --certificate_chain "$P/root.cert.pem" >/dev/null 2>&1
    if grep -qF "\"$conf\"" "$tmp/trace"; then ok "verify certificate opens $conf"; else bad "verify certificate did not open $conf"; fi
    mkdir -p "$tmp/model" && printf 'weights\n' >"$tmp/model/w.bin"
    strace -f -e trace=open,openat -o "$tmp/trace" env -u OPENSSL_CONF "$OMSIG" sign key "$tmp/model" \
        --signature "$tmp/model.sig" --private_key "$P/p256.key.pem" >/dev/null 2>&1
    if grep -qF "\"$conf\"" "$tmp/trace"; then ok "sign opens $conf"; else bad "sign did not open $conf"; fi
else
    echo "strace or $conf absent: which files are opened is not checked"
fi
summary
