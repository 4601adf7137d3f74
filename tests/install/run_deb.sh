#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Debian packages as a user gets them.  `cpack -G DEB` makes omsig, libomsigN and
# libomsig-dev from a release configuration only: a test build (test hooks, sanitizers, Debug,
# or a prefix other than /usr) must be refused, naming why, so the packages are made from a
# release build of the same sources configured here in a scratch folder (CUDA off, to be quick;
# io_uring and PKCS #11 as in the test build).  Then: their control fields (Depends computed
# by dpkg-shlibdeps, the shlibs file, a Maintainer with a real address, a Homepage), the
# ldconfig trigger and no maintainer scripts, the files (multiarch library folder, copyright
# and changelog.gz in each, gzipped man page, stripped binaries, the completion's lists),
# lintian with no error, and `pkg-config --cflags` naming omsig's include folder alone.  The
# three are installed with dpkg into a scratch root and admin folder; the installed program
# verifies the sample and a CMake project builds against the installed libomsig-dev; then
# `dpkg -r` and `dpkg -P` must leave nothing.
# Usage: tests/install/run_deb.sh BUILD_DIR [SANITIZERS]   (SANITIZERS: BUILD_DIR's, by default)
#   (exit 77: no cmake, cpack, dpkg, dpkg-deb, dpkg-shlibdeps, file, readelf, gzip or cc.  Without
#   lintian its part is skipped, with a message; so is dpkg's scratch install where it needs
#   root and root is absent, the program then run from the unpacked packages)
set -u
BUILD=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
SRC=$PWD
# shellcheck source=../lib.sh
. tests/lib.sh
for t in cmake cpack dpkg dpkg-deb dpkg-shlibdeps file readelf gzip cc; do
    command -v "$t" >/dev/null || { echo "SKIP: $t is needed (apt-get install cmake dpkg-dev file binutils gcc)"; exit 77; }
done

MODEL=$SRC/testdata/interop/models/nested
SIG=$SRC/testdata/interop/bundles/nested.sig
KEY=$SRC/testdata/pki/p256.pub.pem
VERSION=$(sed -n 's/^#define OMSIG_VERSION_STRING "\(.*\)"/\1/p' include/omsig.h)
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || cc -print-multiarch)
cache() { sed -n "s/^$2:[A-Z]*=//p" "$1/CMakeCache.txt"; }

# ---- the release configuration -----------------------------------------------------------------
hooks=$(cache "$BUILD" OMSIG_TEST_HOOKS)
sanitize=${2:-$(cache "$BUILD" OMSIG_SANITIZE)}
case $hooks in ON | TRUE | YES | 1 | on | true) hooks=1 ;; *) hooks= ;; esac
REL=$BUILD
if [ -n "$hooks$sanitize" ] || [ "$(cache "$BUILD" CMAKE_INSTALL_PREFIX)" != /usr ] ||
    [ "$(cache "$BUILD" CMAKE_BUILD_TYPE)" = Debug ]; then
    # cpack refuses the test build, with the reason
    cpack -G DEB -B "$tmp/refused" --config "$BUILD/CPackConfig.cmake" >"$tmp/refused.log" 2>&1
    rc=$?
    want="not packaging this build"
    [ -n "$hooks" ] && want="test hooks"
    [ -n "$sanitize" ] && want="sanitizers"
    if [ "$rc" != 0 ] && grep -q "$want" "$tmp/refused.log" &&
        [ -z "$(find "$tmp/refused" -maxdepth 1 -name '*.deb' 2>/dev/null)" ]; then
        ok "cpack refuses the test build: $(grep -m1 "$want" "$tmp/refused.log" | sed 's/^ *//')"
    else
        bad "cpack on the test build (exit $rc) did not refuse it for its $want: $(tail -c 800 "$tmp/refused.log")"
    fi
    REL=$tmp/rel
    echo "== a release build in $REL"
    if ! cmake -S "$SRC" -B "$REL" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
        -DCMAKE_C_COMPILER="$(cache "$BUILD" CMAKE_C_COMPILER)" -DOMSIG_CUDA=OFF -DOMSIG_FAKE_CUDA=OFF \
        -DOMSIG_IO_URING="$(cache "$BUILD" OMSIG_IO_URING)" -DOMSIG_PKCS11="$(cache "$BUILD" OMSIG_PKCS11)" \
        -DBUILD_TESTING=OFF -DOMSIG_BUILD_BENCH=OFF -DOMSIG_BUILD_EXAMPLES=OFF >"$tmp/rel.log" 2>&1 ||
        ! cmake --build "$REL" -j"$(nproc)" >>"$tmp/rel.log" 2>&1; then
        tail -c 3000 "$tmp/rel.log"
        bad "the release build does not build"
        summary
        exit 1
    fi
fi

if ! cpack -G DEB -B "$tmp/pkg" --config "$REL/CPackConfig.cmake" >"$tmp/cpack.log" 2>&1; then
    tail -c 3000 "$tmp/cpack.log"
    bad "cpack -G DEB on the release build"
    summary
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
FEATURES=$("$REL/omsig" --version 2>/dev/null | sed -n 's/^features: //p')

for d in "$CLI" "$LIB" "$DEV"; do
    echo "== $(basename "$d")"
    dpkg-deb -f "$d" | sed 's/^/  /'
    dpkg-deb -c "$d" | awk '{ $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print "  " $0 }'
done

# ---- control fields ----------------------------------------------------------------------------
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
maintainer=$(cache "$REL" OMSIG_PACKAGE_MAINTAINER)
address='^[^<]+ <[^@>]+@[a-z0-9.-]+\.[a-z]+>$' # name <user@host.domain>
for d in "$CLI" "$LIB" "$DEV"; do
    m=$(dpkg-deb -f "$d" Maintainer)
    h=$(dpkg-deb -f "$d" Homepage)
    if [ "$m" = "$maintainer" ] && [[ $m =~ $address ]] && [[ $m != *.invalid\> ]]; then
        ok "$(basename "$d") Maintainer: $m"
    else
        bad "$(basename "$d") Maintainer '$m' (want OMSIG_PACKAGE_MAINTAINER '$maintainer', a real address)"
    fi
    if [[ $h =~ ^https?://[a-z0-9.-]+ ]]; then ok "$(basename "$d") Homepage: $h"; else bad "$(basename "$d") Homepage '$h'"; fi
    mkdir -p "$tmp/ctl/$(basename "$d")"
    dpkg-deb -e "$d" "$tmp/ctl/$(basename "$d")"
    scripts=
    for f in preinst postinst prerm postrm config; do
        [ -e "$tmp/ctl/$(basename "$d")/$f" ] && scripts="$scripts$f "
    done
    if [ -z "$scripts" ]; then ok "$(basename "$d") has no maintainer scripts"; else bad "$(basename "$d") has maintainer scripts: $scripts"; fi
done
LIBCTL=$tmp/ctl/$(basename "$LIB")
if grep -qE "^libomsig [0-9]+ $LIBPKG " "$LIBCTL/shlibs" 2>/dev/null; then
    ok "$LIBPKG shlibs: $(cat "$LIBCTL/shlibs")"
else
    bad "$LIBPKG has no shlibs entry"
fi
if grep -qx 'activate-noawait ldconfig' "$LIBCTL/triggers" 2>/dev/null; then
    ok "$LIBPKG triggers ldconfig (activate-noawait ldconfig)"
else
    bad "$LIBPKG has no ldconfig trigger: $(cat "$LIBCTL/triggers" 2>&1)"
fi

# ---- files -------------------------------------------------------------------------------------
# has FILE PATTERN...: each pattern (grep -E) matches a path in the package
has() {
    local d=$1 p
    shift
    dpkg-deb -c "$d" | awk '{ print $6 }' >"$tmp/list"
    for p in "$@"; do
        if grep -qE -- "$p" "$tmp/list"; then ok "$(basename "$d") holds $p"; else bad "$(basename "$d") lacks $p"; fi
    done
}
L="\./usr/lib/$MA"
has "$CLI" '^\./usr/bin/omsig$' '^\./usr/share/man/man1/omsig\.1\.gz$' \
    '^\./usr/share/bash-completion/completions/omsig$'
has "$LIB" "^$L/libomsig\.so\.[0-9]+$" "^$L/libomsig\.so\.$VERSION$"
has "$DEV" '^\./usr/include/omsig\.h$' "^$L/libomsig\.a$" "^$L/libomsig\.so$" "^$L/pkgconfig/omsig\.pc$" \
    "^$L/cmake/omsig/omsigConfig\.cmake$"
for d in "$CLI" "$LIB" "$DEV"; do
    p=$(dpkg-deb -f "$d" Package)
    has "$d" "^\./usr/share/doc/$p/copyright$" "^\./usr/share/doc/$p/changelog\.gz$"
done
if dpkg-deb -c "$CLI" "$DEV" 2>/dev/null | awk '{ print $6 }' | grep -q 'libomsig\.so\.'; then
    bad "the versioned libomsig.so is outside $LIBPKG"
fi

X=$tmp/unpacked
for d in "$CLI" "$LIB" "$DEV"; do dpkg -x "$d" "$X"; done
for f in usr/bin/omsig "usr/lib/$MA/libomsig.so.$VERSION"; do
    desc=$(file -b "$X/$f")
    case $desc in
    *", stripped"*) ok "$f is stripped" ;;
    *) bad "$f is not stripped: $desc" ;;
    esac
done
# gzip -9n: no name and no time in the header (bytes 3 and 4-7)
for f in usr/share/man/man1/omsig.1.gz usr/share/doc/omsig/changelog.gz; do
    hdr=$(od -An -tx1 -j3 -N5 "$X/$f" | tr -d ' \n')
    if gzip -t "$X/$f" 2>/dev/null && [ "$hdr" = 0000000000 ]; then
        ok "$f: gzip without name or time"
    else
        bad "$f: not gzip -n (flags and mtime: $hdr)"
    fi
done
if zcat "$X/usr/share/man/man1/omsig.1.gz" | cmp -s - docs/omsig.1; then ok "the man page is docs/omsig.1"; else bad "the man page differs from docs/omsig.1"; fi
first=$(zcat "$X/usr/share/doc/omsig/changelog.gz" | head -n 1)
if [[ $first == "omsig ($VERSION) "*"; urgency="* ]] &&
    zcat "$X/usr/share/doc/omsig/changelog.gz" | grep -q "^ -- $maintainer  [A-Z][a-z][a-z], "; then
    ok "changelog: $first"
else
    bad "changelog.gz is not a Debian changelog of $VERSION by $maintainer: $(zcat "$X/usr/share/doc/omsig/changelog.gz" | head -c 400)"
fi
if grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' "$X/usr/share/doc/omsig/copyright" &&
    grep -q '^License: Apache-2.0' "$X/usr/share/doc/omsig/copyright"; then
    ok "copyright: machine-readable, Apache-2.0"
else
    bad "copyright: $(head -c 300 "$X/usr/share/doc/omsig/copyright")"
fi
# the completion's lists, with no omsig to run: --hash offers blake3
got=$(env -i PATH=/nonexistent /bin/bash -c "source '$X/usr/share/bash-completion/completions/omsig'
    COMP_WORDS=(omsig digest model --hash ''); COMP_CWORD=4; _omsig; printf '%s ' \"\${COMPREPLY[@]}\"" 2>&1)
if [ "$got" = "sha256 blake2b blake3 " ]; then ok "packaged completion of --hash: $got"; else bad "packaged completion of --hash: '$got'"; fi

# ---- pkg-config: omsig's include folder alone, no path in Libs.private -------------------------
if command -v pkg-config >/dev/null; then
    cflags=$(PKG_CONFIG_PATH="$X/usr/lib/$MA/pkgconfig" pkg-config --define-variable=prefix="$X/usr" --cflags omsig 2>&1)
    if [ "${cflags% }" = "-I$X/usr/include" ]; then
        ok "pkg-config --cflags omsig: its include folder alone"
    else
        bad "pkg-config --cflags omsig: '$cflags', want '-I$X/usr/include' alone"
    fi
    libs_private=$(sed -n 's/^Libs.private: *//p' "$X/usr/lib/$MA/pkgconfig/omsig.pc")
    case " $libs_private " in
    *" /"* | *-L*cuda*) bad "omsig.pc's Libs.private names a path: $libs_private" ;;
    *) ok "omsig.pc's Libs.private: $libs_private" ;;
    esac
else
    echo "SKIP (part): pkg-config is not installed"
fi

# ---- lintian -----------------------------------------------------------------------------------
if command -v lintian >/dev/null; then
    lintian "$CLI" "$LIB" "$DEV" >"$tmp/lintian" 2>&1
    rc=$? # 0: no error tag, 1: error tags, 2: lintian itself failed
    grep -E '^[EW]: ' "$tmp/lintian" | sed 's/^/  /'
    if grep -q '^E: ' "$tmp/lintian"; then
        bad "lintian: $(grep -c '^E: ' "$tmp/lintian") errors"
    elif [ "$rc" != 0 ]; then
        bad "lintian failed (exit $rc): $(head -c 600 "$tmp/lintian")"
    else
        ok "lintian $(lintian --version | sed 's/^Lintian v//'): no error, $(grep -c '^W: ' "$tmp/lintian") warnings"
    fi
else
    echo "SKIP (part): lintian is not installed (apt-get install lintian)"
fi

# ---- dpkg: install into a scratch root, verify, remove, purge ----------------------------------
R=$tmp/root A=$tmp/admin
mkdir -p "$R" "$A/info" "$A/updates" "$A/triggers"
: >"$A/status"
: >"$A/available"
# the dependencies are the machine's, not in the scratch database: --force-depends
dp=(dpkg --instdir="$R" --admindir="$A" --force-depends)
[ "$(id -u)" = 0 ] || dp+=(--force-not-root)
installed=
if "${dp[@]}" -i "$CLI" "$LIB" "$DEV" >"$tmp/dpkg.log" 2>&1; then
    installed=1
    states=$(dpkg-query --admindir="$A" -W -f '${Package}:${db:Status-Status}\n' | LC_ALL=C sort | tr '\n' ' ')
    if [ "$states" = "libomsig-dev:installed $LIBPKG:installed omsig:installed " ]; then
        ok "dpkg -i into a scratch root: $states"
    else
        bad "dpkg -i: the packages' states are '$states'"
    fi
elif [ "$(id -u)" != 0 ]; then
    echo "SKIP (part): dpkg could not install into a scratch root without root: $(grep -m1 'dpkg:' "$tmp/dpkg.log")"
    R=$X
else
    bad "dpkg -i into a scratch root: $(tail -c 1500 "$tmp/dpkg.log")"
    R=$X
fi

# the installed (or unpacked) program and library
run "installed omsig --version" 0 "^omsig, version $VERSION" "$R/usr/bin/omsig" --version
if grep -q 'test-hooks' "$tmp/out"; then bad "the packaged omsig has the test hooks: $(cat "$tmp/out")"; fi
run "installed omsig verifies the sample" 0 "^Verification succeeded" \
    "$R/usr/bin/omsig" verify key "$MODEL" --signature "$SIG" --public_key "$KEY"
if cmake -S tests/install/consumer -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$R/usr" >"$tmp/cmake.log" 2>&1 &&
    cmake --build "$tmp/cmake" >>"$tmp/cmake.log" 2>&1; then
    if "$tmp/cmake/consumer_shared" "$MODEL" "$SIG" "$KEY" >"$tmp/out" 2>&1 && grep -q ": success, " "$tmp/out" &&
        ldd "$tmp/cmake/consumer_shared" | grep -q "$R/usr/lib/$MA/libomsig"; then
        ok "consumer of the installed libomsig-dev: $(cat "$tmp/out")"
    else
        bad "consumer of the installed libomsig-dev: $(head -c 600 "$tmp/out")"
    fi
else
    bad "consumer of the installed libomsig-dev does not build: $(tail -c 1500 "$tmp/cmake.log")"
fi

if [ -n "$installed" ]; then
    if "${dp[@]}" -r omsig libomsig-dev "$LIBPKG" >"$tmp/dpkg.log" 2>&1; then
        left=$(find "$R" -mindepth 1 ! -type d | head -n 5)
        if [ -z "$left" ]; then ok "dpkg -r removes every file"; else bad "dpkg -r leaves $left"; fi
    else
        bad "dpkg -r: $(tail -c 800 "$tmp/dpkg.log")"
    fi
    if "${dp[@]}" -P omsig libomsig-dev "$LIBPKG" >"$tmp/dpkg.log" 2>&1; then
        left=$(find "$R" -mindepth 1 | head -n 5)
        states=$(dpkg-query --admindir="$A" -W -f '${db:Status-Status} ${Package}\n' 2>/dev/null |
            grep -v '^not-installed ' | tr '\n' ' ')
        if [ -z "$left" ] && [ -z "$states" ]; then
            ok "dpkg -P leaves nothing: an empty root, no package in the database"
        else
            bad "dpkg -P leaves files '$left', packages '$states'"
        fi
    else
        bad "dpkg -P: $(tail -c 800 "$tmp/dpkg.log")"
    fi
fi

summary
