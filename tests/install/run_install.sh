#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `cmake --install` into a DESTDIR, then programs built against the installed tree only: one
# with `pkg-config --cflags --libs omsig` (libomsig.so), one with `pkg-config --static`
# (libomsig.a), and a CMake project with find_package(omsig) linking omsig::omsig and
# omsig::omsig_static.  Each verifies a model through omsig_verify().  Also: the SONAME, the
# exported symbols (exactly the OMSIG_API functions of omsig.h), `pkg-config --cflags` naming
# omsig's include folder alone, Libs.private without paths, and the installed program.
# Usage: tests/install/run_install.sh BUILD_DIR [SANITIZERS]
#   (exit 77: a sanitizer build, whose libraries only its own programs can load, or no
#   pkg-config, cc or binutils)
set -u
BUILD=$(realpath "$1")
SANITIZE=${2:-}
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
# shellcheck source=../lib.sh
. tests/lib.sh
if [ -n "$SANITIZE" ]; then
    echo "SKIP: a build with -fsanitize=$SANITIZE installs libraries that need its runtime"
    exit 77
fi
for t in pkg-config cc readelf nm cmake; do
    command -v "$t" >/dev/null || { echo "SKIP: $t is needed"; exit 77; }
done

MODEL=$SRC/testdata/interop/models/nested
SIG=$SRC/testdata/interop/bundles/nested.sig
KEY=$SRC/testdata/pki/p256.pub.pem
VERSION=$(sed -n 's/^#define OMSIG_VERSION_STRING "\(.*\)"/\1/p' include/omsig.h)
ROOT=$tmp/root
PREFIX=/opt/omsig
P=$ROOT$PREFIX

if ! DESTDIR=$ROOT cmake --install "$BUILD" --prefix "$PREFIX" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "FAIL cmake --install"
    exit 1
fi
echo "installed under DESTDIR, prefix $PREFIX:"
(cd "$P" && find . \( -type f -o -type l \) | sed 's|^\./||' | LC_ALL=C sort | sed 's/^/  /')

LIBDIR=$(dirname "$(find "$P" -name omsig.pc -path '*/pkgconfig/*' | head -n 1)")
LIBDIR=${LIBDIR%/pkgconfig}
SHARED=0
[ -e "$LIBDIR/libomsig.so" ] && SHARED=1
for f in bin/omsig include/omsig.h share/man/man1/omsig.1.gz share/bash-completion/completions/omsig \
    "${LIBDIR#"$P"/}/libomsig.a" "${LIBDIR#"$P"/}/pkgconfig/omsig.pc" \
    "${LIBDIR#"$P"/}/cmake/omsig/omsigConfig.cmake" "${LIBDIR#"$P"/}/cmake/omsig/omsigConfigVersion.cmake" \
    "${LIBDIR#"$P"/}/cmake/omsig/omsigStaticTargets.cmake"; do
    if [ -e "$P/$f" ]; then ok "installed $f"; else bad "installed $f: missing"; fi
done

# ---- the shared library: SONAME with the ABI version, only the OMSIG_API functions ----------
if [ "$SHARED" = 1 ]; then
    soname=$(readelf -d "$LIBDIR/libomsig.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
    if [[ $soname =~ ^libomsig\.so\.[0-9]+$ ]] && [ -e "$LIBDIR/$soname" ] &&
        [ -e "$LIBDIR/libomsig.so.$VERSION" ]; then
        ok "SONAME $soname, file libomsig.so.$VERSION"
    else
        bad "SONAME '$soname' (want libomsig.so.N, with libomsig.so.$VERSION)"
    fi
    # every OMSIG_API declaration names its function within two lines
    grep -A2 '^OMSIG_API' include/omsig.h | grep -o 'omsig_[a-z0-9_]*(' | tr -d '(' |
        LC_ALL=C sort -u >"$tmp/api"
    nm -D --defined-only "$LIBDIR/libomsig.so" | awk '{print $3}' | LC_ALL=C sort -u >"$tmp/exported"
    if [ -s "$tmp/api" ] && cmp -s "$tmp/api" "$tmp/exported"; then
        ok "exports exactly the $(wc -l <"$tmp/api") OMSIG_API functions"
    else
        bad "exported symbols differ from omsig.h's OMSIG_API ones: $(diff "$tmp/api" "$tmp/exported" | grep '^[<>]' | head -20 | tr '\n' ' ')"
    fi
    if readelf -d "$LIBDIR/libomsig.so" | grep -q 'NEEDED.*libcrypto'; then
        ok "libomsig.so records its dependencies (libcrypto among them)"
    else
        bad "libomsig.so does not name libcrypto as NEEDED"
    fi
fi

# ---- pkg-config ------------------------------------------------------------------------------
# --define-prefix: the prefix from where omsig.pc lies, which is how a staged install is used
export PKG_CONFIG_PATH=$LIBDIR/pkgconfig
pc() { pkg-config --define-prefix "$@" omsig; }
if [ "$(pc --modversion 2>&1)" = "$VERSION" ]; then
    ok "pkg-config --modversion omsig: $VERSION"
else
    bad "pkg-config --modversion omsig: $(pc --modversion 2>&1)"
fi
echo "  pkg-config --cflags --libs omsig: $(pc --cflags --libs)"
echo "  pkg-config --static --libs omsig: $(pc --static --libs)"
# omsig.h includes no dependency's header: the flags name omsig's include folder alone
cflags=$(pc --cflags)
if [ "${cflags% }" = "-I$P/include" ]; then
    ok "pkg-config --cflags omsig: -I$P/include alone"
else
    bad "pkg-config --cflags omsig: '$(pc --cflags)', want '-I$P/include' alone"
fi
# what a static link needs: no file by its path, nothing of this machine's CUDA toolkit
libs_private=$(sed -n 's/^Libs.private: *//p' "$LIBDIR/pkgconfig/omsig.pc")
case " $libs_private " in
*" /"* | *-L*cuda*) bad "omsig.pc's Libs.private names a path: $libs_private" ;;
*) ok "omsig.pc's Libs.private names libraries, not paths: $libs_private" ;;
esac
if grep -q '@OMSIG_COMPLETION_LISTS@' "$P/share/bash-completion/completions/omsig"; then
    bad "the installed bash completion is the template, without its lists"
else
    ok "the installed bash completion holds its lists"
fi
# a CUDA build's libomsig.a needs libcudart_static.a: its folder, as a consumer gives it
cudart=$(sed -n 's/^CUDA_cudart_static_LIBRARY:FILEPATH=//p' "$BUILD/CMakeCache.txt")
if [ -f "$cudart" ]; then
    LIBRARY_PATH=$(dirname "$cudart")${LIBRARY_PATH:+:$LIBRARY_PATH}
    export LIBRARY_PATH
fi

# run_consumer NAME PROGRAM [ENV...]: verifies the model; prints the program's line
run_consumer() {
    local name=$1 prog=$2
    shift 2
    if env "$@" "$prog" "$MODEL" "$SIG" "$KEY" >"$tmp/out" 2>&1 && grep -q ": success, " "$tmp/out"; then
        ok "$name: $(cat "$tmp/out")"
    else
        bad "$name: $(head -c 600 "$tmp/out")"
    fi
}

if [ "$SHARED" = 1 ]; then
    # shellcheck disable=SC2046
    if cc -o "$tmp/consumer_pc" tests/install/consumer.c $(pc --cflags --libs) 2>"$tmp/cc.log"; then
        where=$(LD_LIBRARY_PATH=$LIBDIR ldd "$tmp/consumer_pc" | sed -n 's/.*libomsig\.so[^ ]* => \([^ ]*\).*/\1/p')
        case $where in
        "$LIBDIR"/*) ok "pkg-config consumer links the installed libomsig.so ($where)" ;;
        *) bad "pkg-config consumer loads libomsig from '$where'" ;;
        esac
        run_consumer "pkg-config consumer (shared)" "$tmp/consumer_pc" LD_LIBRARY_PATH="$LIBDIR"
    else
        bad "pkg-config consumer (shared) does not build: $(head -c 800 "$tmp/cc.log")"
    fi
fi

# static: libomsig.a by name, the rest of `pkg-config --static --libs` as given
static_libs=$(pc --static --libs | sed 's/\(^\| \)-lomsig\( \|$\)/\1-l:libomsig.a\2/')
# shellcheck disable=SC2046,SC2086
if cc -o "$tmp/consumer_pc_static" tests/install/consumer.c $(pc --static --cflags) $static_libs \
    2>"$tmp/cc.log"; then
    if readelf -d "$tmp/consumer_pc_static" | grep -q 'NEEDED.*libomsig'; then
        bad "pkg-config --static consumer still needs libomsig.so"
    else
        ok "pkg-config --static consumer holds libomsig.a"
    fi
    run_consumer "pkg-config consumer (static)" "$tmp/consumer_pc_static"
else
    bad "pkg-config --static consumer does not build: $(head -c 800 "$tmp/cc.log")"
fi

# ---- the CMake package -----------------------------------------------------------------------
if cmake -S tests/install/consumer -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$P" \
    -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$tmp/cmake" >>"$tmp/cmake.log" 2>&1; then
    found=$(sed -n 's/^omsig_DIR:PATH=//p' "$tmp/cmake/CMakeCache.txt")
    case $found in
    "$P"/*) ok "find_package(omsig) found the installed package ($found)" ;;
    *) bad "find_package(omsig) found '$found', not the installed one" ;;
    esac
    run_consumer "find_package consumer, omsig::omsig" "$tmp/cmake/consumer_shared"
    if [ -x "$tmp/cmake/consumer_static" ]; then
        run_consumer "find_package consumer, omsig::omsig_static" "$tmp/cmake/consumer_static"
    else
        bad "omsig::omsig_static was not defined"
    fi
else
    bad "find_package consumer: $(tail -c 1500 "$tmp/cmake.log")"
fi
# the version file: a minor release apart is not compatible while the major version is 0
next=$(echo "$VERSION" | awk -F. '{ print $1 "." $2 + 1 }')
if cmake -S tests/install/consumer -B "$tmp/cmake-next" -DCMAKE_PREFIX_PATH="$P" \
    -DOMSIG_WANT_VERSION="$next" >"$tmp/next.log" 2>&1; then
    bad "find_package(omsig $next) accepted version $VERSION"
else
    ok "find_package(omsig $next) refuses $VERSION"
fi

# ---- the installed program -------------------------------------------------------------------
run "installed omsig --version" 0 "^omsig, version $VERSION" "$P/bin/omsig" --version
run "installed omsig verifies" 0 "^Verification succeeded" \
    "$P/bin/omsig" verify key "$MODEL" --signature "$SIG" --public_key "$KEY"

summary
