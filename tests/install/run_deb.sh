#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `cpack -G DEB`: the packages omsig, libomsigN and libomsig-dev, their control fields (Depends
# computed by dpkg-shlibdeps, the shlibs file) and file lists read with dpkg-deb; then all three
# unpacked with dpkg -x into a scratch root, the program run from there and a CMake project
# built against the unpacked libomsig-dev.
# Usage: tests/install/run_deb.sh BUILD_DIR [SANITIZERS]
#   (exit 77: a sanitizer build, or no cpack, dpkg-deb, dpkg-shlibdeps or file)
set -u
BUILD=$(realpath "$1")
SANITIZE=${2:-}
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
# shellcheck source=../lib.sh
. tests/lib.sh
if [ -n "$SANITIZE" ]; then
    echo "SKIP: a build with -fsanitize=$SANITIZE is not packaged"
    exit 77
fi
for t in cpack dpkg-deb dpkg-shlibdeps file readelf; do
    command -v "$t" >/dev/null || { echo "SKIP: $t is needed (apt-get install dpkg-dev file binutils)"; exit 77; }
done

MODEL=$SRC/testdata/interop/models/nested
SIG=$SRC/testdata/interop/bundles/nested.sig
KEY=$SRC/testdata/pki/p256.pub.pem
VERSION=$(sed -n 's/^#define OMSIG_VERSION_STRING "\(.*\)"/\1/p' include/omsig.h)
FEATURES=$("$BUILD/omsig" --version 2>/dev/null | sed -n 's/^features: //p')

if ! cpack -G DEB -B "$tmp/pkg" --config "$BUILD/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1; then
    tail -c 3000 "$tmp/cpack.log"
    echo "FAIL cpack -G DEB"
    exit 1
fi
deb() { find "$tmp/pkg" -maxdepth 1 -name "$1_${VERSION}_*.deb" | head -n 1; }
CLI=$(deb omsig)
DEV=$(deb libomsig-dev)
LIB=$(find "$tmp/pkg" -maxdepth 1 -name "libomsig[0-9]*_${VERSION}_*.deb" | head -n 1)
for d in "$CLI" "$LIB" "$DEV"; do
    [ -n "$d" ] || { bad "cpack made $(find "$tmp/pkg" -maxdepth 1 -name '*.deb' -printf '%f '), not omsig, libomsigN and libomsig-dev"; summary; exit 1; }
done
ok "packages: $(basename "$CLI") $(basename "$LIB") $(basename "$DEV")"
LIBPKG=$(dpkg-deb -f "$LIB" Package)

for d in "$CLI" "$LIB" "$DEV"; do
    echo "== $(basename "$d")"
    dpkg-deb -f "$d" | sed 's/^/  /'
    dpkg-deb -c "$d" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print "  " $0 }'
done

# depends PACKAGE FILE WORD...: each word is a package in Depends
depends() {
    local name=$1 d=$2 field missing=
    shift 2
    field=$(dpkg-deb -f "$d" Depends)
    for w in "$@"; do
        printf '%s\n' "$field" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx -- "$w" || missing="$missing $w"
    done
    if [ -z "$missing" ]; then ok "$name Depends: $field"; else bad "$name Depends '$field' lacks$missing"; fi
}
needs=(libc6 libssl3 libcjson1)
case " $FEATURES " in *" io_uring "*) needs+=(liburing2) ;; esac
depends omsig "$CLI" "${needs[@]}"
depends "$LIBPKG" "$LIB" "${needs[@]}"
depends libomsig-dev "$DEV" "$LIBPKG" libssl-dev libcjson-dev
if dpkg-deb -f "$DEV" Depends | grep -q "$LIBPKG (= $VERSION)"; then
    ok "libomsig-dev depends on $LIBPKG (= $VERSION)"
else
    bad "libomsig-dev Depends: $(dpkg-deb -f "$DEV" Depends)"
fi

# has FILE PATTERN...: each pattern (grep -E) matches a path in the package
has() {
    local d=$1 p
    shift
    dpkg-deb -c "$d" | awk '{ print $6 }' >"$tmp/list"
    for p in "$@"; do
        if grep -qE -- "$p" "$tmp/list"; then ok "$(basename "$d") holds $p"; else bad "$(basename "$d") lacks $p"; fi
    done
}
has "$CLI" '^\./usr/bin/omsig$' '^\./usr/share/man/man1/omsig\.1' \
    '^\./usr/share/bash-completion/completions/omsig$'
has "$LIB" "^\./usr/lib/([^/]+/)?libomsig\.so\.[0-9]+$" "^\./usr/lib/([^/]+/)?libomsig\.so\.$VERSION$"
has "$DEV" '^\./usr/include/omsig\.h$' '^\./usr/lib/([^/]+/)?libomsig\.a$' \
    '^\./usr/lib/([^/]+/)?libomsig\.so$' '^\./usr/lib/([^/]+/)?pkgconfig/omsig\.pc$' \
    '^\./usr/lib/([^/]+/)?cmake/omsig/omsigConfig\.cmake$'
if dpkg-deb -c "$CLI" "$DEV" 2>/dev/null | awk '{ print $6 }' | grep -q 'libomsig\.so\.'; then
    bad "the versioned libomsig.so is outside $LIBPKG"
fi
mkdir -p "$tmp/ctl"
dpkg-deb -e "$LIB" "$tmp/ctl"
if grep -qE "^libomsig [0-9]+ $LIBPKG " "$tmp/ctl/shlibs" 2>/dev/null; then
    ok "$LIBPKG shlibs: $(cat "$tmp/ctl/shlibs")"
else
    bad "$LIBPKG has no shlibs entry"
fi

# ---- unpacked: the program, and a consumer of the -dev package --------------------------------
R=$tmp/root
for d in "$CLI" "$LIB" "$DEV"; do dpkg -x "$d" "$R"; done
run "unpacked omsig --version" 0 "^omsig, version $VERSION" "$R/usr/bin/omsig" --version
run "unpacked omsig verifies" 0 "^Verification succeeded" \
    "$R/usr/bin/omsig" verify key "$MODEL" --signature "$SIG" --public_key "$KEY"
pcfile=$(find "$R/usr/lib" -name omsig.pc | head -n 1)
if grep -qx 'prefix=/usr' "$pcfile"; then ok "omsig.pc says prefix=/usr"; else bad "omsig.pc: $(grep prefix= "$pcfile")"; fi
if command -v cc >/dev/null && command -v cmake >/dev/null; then
    if cmake -S tests/install/consumer -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$R/usr" >"$tmp/cmake.log" 2>&1 &&
        cmake --build "$tmp/cmake" >>"$tmp/cmake.log" 2>&1; then
        if "$tmp/cmake/consumer_shared" "$MODEL" "$SIG" "$KEY" >"$tmp/out" 2>&1 && grep -q ": success, " "$tmp/out" &&
            ldd "$tmp/cmake/consumer_shared" | grep -q "$R/usr/lib.*libomsig"; then
            ok "consumer of the unpacked libomsig-dev: $(cat "$tmp/out")"
        else
            bad "consumer of the unpacked libomsig-dev: $(head -c 600 "$tmp/out")"
        fi
    else
        bad "consumer of the unpacked libomsig-dev does not build: $(tail -c 1500 "$tmp/cmake.log")"
    fi
fi

summary
