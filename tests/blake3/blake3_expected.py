# SPDX-License-Identifier: Apache-2.0
"""Writes BLAKE3 digests from the PyPI `blake3` package for test_blake3: one line per input,
"PATTERN LENGTH HEXDIGEST".  Patterns: `mod` is byte i = i % 251 (the input of BLAKE3's
published test vectors), `shake` is SHAKE128("omsig blake3") of the length."""
import hashlib
import sys

import blake3

MAX_MOD = 4 * 1024 * 1024 + 1025
SHAKE_LEN = 3 * 1024 * 1024 + 4097


def lengths():
    out = set(range(0, 2050))
    for k in range(1, 41):
        out.update((1024 * k - 1, 1024 * k, 1024 * k + 1))
    for j in range(0, 13):  # tree boundaries up to 4 MiB
        n = 1024 << j
        out.update((n - 1, n, n + 1, n + 1024))
    # the lengths of BLAKE3's published test vectors
    out.update((3072, 3073, 4096, 4097, 5120, 5121, 6144, 6145, 7168, 7169, 8192, 8193,
                16384, 31744, 102400))
    return sorted(n for n in out if n <= MAX_MOD)


def main():
    mod = (bytes(range(251)) * (MAX_MOD // 251 + 1))[:MAX_MOD]
    shake = hashlib.shake_128(b"omsig blake3").digest(SHAKE_LEN)
    with open(sys.argv[1], "w") as f:
        for n in lengths():
            f.write(f"mod {n} {blake3.blake3(mod[:n]).hexdigest()}\n")
        for n in (0, 1, 1025, 65536 + 1, 1024 * 1024 - 1, 2 * 1024 * 1024 + 3, SHAKE_LEN):
            f.write(f"shake {n} {blake3.blake3(shake[:n]).hexdigest()}\n")


if __name__ == "__main__":
    main()
