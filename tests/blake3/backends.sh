# SPDX-License-Identifier: Apache-2.0
# Sourced by the BLAKE3 tests: blake3_backends prints the BLAKE3 backends this CPU can run
# (values of the OMSIG_BLAKE3 test hook), narrowest first.
blake3_backends() {
    echo portable
    if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
        grep -qw avx2 /proc/cpuinfo && echo avx2
        grep -qw avx512f /proc/cpuinfo && echo avx512
    fi
    return 0
}
