#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# gpu_debs.sh - fetches the Debian packages that cuda/gpu_check.sh needs to build omsig on a GPU
# machine that has nvcc and CMake but no package registry (cJSON, liburing and OpenSSL, the
# libraries and their headers; jq for bench/gpu_feeder.sh), into DIR (default .deps/debs, ignored by git), for the
# distribution the GPU machine runs.  gpu_check.sh unpacks them with dpkg -x into a private
# prefix and builds against it; nothing is installed, so the libraries only need a C library
# as new as the one they were built for.
#
#   bash cuda/gpu_debs.sh [debian12|debian13|ubuntu24.04] [DIR]
#
# The target defaults to this machine's distribution.  Package names differ: OpenSSL's library
# is libssl3 on Debian 12 and libssl3t64 on Debian 13 and Ubuntu 24.04 (the 64-bit time_t
# transition).  A Debian target is fetched from Debian's archive with apt-get download, through
# a sources list of its own when it is not this machine's release; Ubuntu's archive may not be
# reachable from here, and then the Debian 12 set serves (Ubuntu 24.04's C library is newer
# than Debian 12's, and the set is unpacked, not installed).
set -euo pipefail
cd "$(dirname "$0")/.."
. /etc/os-release
here="${ID}${VERSION_ID}"
target=${1:-$here}
dir=${2:-.deps/debs}
case $target in
debian12) suite=bookworm pkgs="libssl3 libssl-dev libcjson1 libcjson-dev liburing2 liburing-dev jq libjq1 libonig5" ;;
debian13) suite=trixie pkgs="libssl3t64 libssl-dev libcjson1 libcjson-dev liburing2 liburing-dev jq libjq1 libonig5" ;;
ubuntu24.04) suite=noble pkgs="libssl3t64 libssl-dev libcjson1 libcjson-dev liburing2 liburing-dev jq libjq1 libonig5" ;;
*) echo "unknown target $target: debian12, debian13 or ubuntu24.04" >&2; exit 2 ;;
esac
mkdir -p "$dir"
rm -f "$dir"/*.deb
apt_opts=()
if [ "$target" != "$here" ]; then
    if [ "${target#debian}" = "$target" ]; then
        echo "$target's archive is not fetched from $here; the debian12 set works there unpacked:" >&2
        echo "  bash cuda/gpu_debs.sh debian12   (on $target itself: apt-get download $pkgs)" >&2
        exit 1
    fi
    # the target's own archive, through lists kept apart from this machine's
    lists=$(mktemp -d "${TMPDIR:-/tmp}/omsig-apt.XXXXXX")
    trap 'rm -rf "$lists"' EXIT
    mkdir -p "$lists/lists/partial"
    echo "deb http://deb.debian.org/debian $suite main" >"$lists/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$lists/sources.list" -o "Dir::Etc::SourceParts=-"
              -o "Dir::State::Lists=$lists/lists" -o "APT::Architecture=amd64")
    apt-get "${apt_opts[@]}" update -qq
fi
# shellcheck disable=SC2086
(cd "$dir" && apt-get "${apt_opts[@]}" download $pkgs)
ls -l "$dir"
echo "carry $dir to the GPU machine (the run tool's carry list) for $target"
