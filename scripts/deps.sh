#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Sourced by run_sample.sh and run_tests.sh: installs what the build needs when it is missing
# (as root, from Debian's packages), or says what to install.
need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v cc >/dev/null 2>&1 || need+=(gcc)
command -v make >/dev/null 2>&1 || need+=(make)
[ -f /usr/include/openssl/evp.h ] || need+=(libssl-dev)
[ -f /usr/include/cjson/cJSON.h ] || need+=(libcjson-dev)
[ -f /usr/include/liburing.h ] || need+=(liburing-dev)
for p in "$@"; do
    case $p in
    python3-venv) python3 -c 'import ensurepip' >/dev/null 2>&1 || need+=(python3-venv) ;;
    # Python.h, for the Python package's C extension (tests/python)
    python3-dev) python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' >/dev/null 2>&1 || need+=(python3-dev) ;;
    dpkg-dev) command -v dpkg-shlibdeps >/dev/null 2>&1 || need+=(dpkg-dev) ;;
    # groff-base has the groff command but not the PostScript device the man page test uses
    groff) groff -Tps -z </dev/null >/dev/null 2>&1 || need+=(groff) ;;
    # PKCS #11 signing (libp11), and the SoftHSM2 token and pkcs11-tool its test uses
    libp11-dev) [ -f /usr/include/libp11.h ] || need+=(libp11-dev) ;;
    softhsm2) command -v softhsm2-util >/dev/null 2>&1 || need+=(softhsm2) ;;
    opensc) command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc) ;;
    *) command -v "$p" >/dev/null 2>&1 || need+=("$p") ;;
    esac
done
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing: ${need[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "missing: ${need[*]}; install them (sudo apt-get install -y ${need[*]}) and run again" >&2
        exit 1
    fi
fi
