#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for SECONDS (default 60),
# seeded from testdata/. Crashers land in tests/fuzz/crashers/<target>/ and are replayed by
# the regression test (tests/fuzz/replay.sh). Usage: tests/fuzz/run_fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(bundle statement paths verify escape blake3 cert)
command -v clang >/dev/null || { echo "clang is needed (apt-get install clang)" >&2; exit 77; }
out=build-fuzz
mkdir -p "$out"
srcs=$(ls src/*.c src/hash/*.c | grep -v '^src/pki_pkcs11\.c$' | tr '\n' ' ') # the GPU and PKCS #11 stubs
flags="-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined -Iinclude -Isrc -Isrc/hash -Icuda -DOMSIG_HAVE_URING=1"
libs="-lcrypto -lcjson -luring -lpthread -lm"
# the library once, every core at it; each target then only compiles itself and links
rm -rf "$out/obj" && mkdir -p "$out/obj"
for src in $srcs src/cli/cli_output.c; do echo "$src"; done |
    xargs -P "$(nproc)" -I{} sh -c 'exec clang $3 -Isrc/cli -c "$2" -o "$1/obj/$(echo "$2" | tr / _).o"' _ "$out" {} "$flags"
lib_objs=$(ls "$out"/obj/src_*.o | grep -v src_cli_ | tr '\n' ' ')
# by default also the fixed-shape readers against cJSON alone (fuzz_scan.c)
[ $# -gt 0 ] || targets+=(scan)
for t in "${targets[@]}"; do
    # shellcheck disable=SC2086
    extra=
    [ "$t" = escape ] && extra="-Isrc/cli $out/obj/src_cli_cli_output.c.o" # the CLI's output boundary
    clang $flags $extra -o "$out/fuzz_$t" tests/fuzz/fuzz_$t.c $lib_objs $libs
    corpus=$out/corpus-$t
    mkdir -p "$corpus" "tests/fuzz/crashers/$t"
    case $t in
    bundle | verify) cp testdata/hostile/cases/*.json testdata/hostile/valid*.json testdata/interop/bundles/*.sig "$corpus/" 2>/dev/null || true ;;
    scan) cp testdata/hostile/valid*.json testdata/interop/bundles/*.sig "$corpus/" 2>/dev/null || true
        for f in testdata/interop/bundles/*.sig testdata/hostile/valid*.json; do
        python3 -c 'import json,sys,base64; print(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"]).decode())' "$f" >"$corpus/$(basename "$f").json" 2>/dev/null || true
    done ;;
    statement) for f in testdata/interop/bundles/*.sig testdata/hostile/valid*.json; do
        python3 -c 'import json,sys,base64; print(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"]).decode())' "$f" >"$corpus/$(basename "$f").json" 2>/dev/null || true
    done ;;
    cert) for f in testdata/pki/*.cert.pem; do openssl x509 -in "$f" -outform DER -out "$corpus/$(basename "$f" .pem).der"; done
        cp testdata/pki/chain.pem "$corpus/" ;;
    paths) printf 'a/b' >"$corpus/1"; printf '../x' >"$corpus/2"; printf 'a/README.md' >"$corpus/3" ;;
    escape) printf 'evil\033[2K\nok' >"$corpus/1"; printf 'bad\377\376' >"$corpus/2"
        printf 'c1\302\233 bidi \342\200\256 \360\237\230\200' >"$corpus/3" ;;
    blake3) # length (3 bytes, little-endian), seed (8), mode (1), then the message pattern
        printf '\000\000\000seed0001\000' >"$corpus/1"; printf '\001\004\000seed0002\001abc' >"$corpus/2"
        printf '\001\000\004seed0003\000xyz' >"$corpus/3" ;;
    esac
    echo "== fuzz_$t for ${secs}s"
    "$out/fuzz_$t" -max_total_time="$secs" -max_len=65536 -artifact_prefix="tests/fuzz/crashers/$t/" \
        -print_final_stats=1 "$corpus" 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|crash-' || true
done
