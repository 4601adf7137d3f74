#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# --log-level LEVEL before the command, where model_signing takes it: validated as click
# validates it (any case), and meaningful: DEBUG adds the engine, reader and timings (and the
# trust root for sigstore), WARNING drops what the reference logs at INFO (certificate
# fingerprints), ERROR and CRITICAL the warnings too.  MODEL_SIGNING_LOG_LEVEL, which
# model_signing's help names, sets it as well.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
P=testdata/pki
I=testdata/interop
N=$I/models/nested
K=(verify key "$N" --signature $I/bundles/key-p256.sig --public_key $P/p256.pub.pem)
C=(verify certificate "$N" --signature $I/bundles/cert-p384.sig --certificate_chain $P/root.cert.pem --log_fingerprints)

run "--log-level DEBUG" 0 '^debug: engine: (cpu|gpu|hybrid) \(' "$OMSIG" --log-level DEBUG "${K[@]}"
grep -qx 'Verification succeeded' "$tmp/out" && ok "DEBUG: the verdict on stdout" || bad "DEBUG: stdout: $(cat "$tmp/out")"
for w in '^debug: omsig [0-9.]+, features: ' '^debug: reader: (io_uring|pread|io_uring and pread) \(--io auto\)$' \
    '^debug: files: [0-9]+, bytes: [0-9]+, hashing: [0-9.]+ s, total: [0-9.]+ s$'; do
    grep -qE "$w" "$tmp/err" && ok "DEBUG: $w" || bad "DEBUG: no $w in: $(cat "$tmp/err")"
done
grep -q '^debug:' "$tmp/out" && bad "DEBUG lines on stdout" || ok "DEBUG lines on stderr only"
run "--log-level debug (any case)" 0 '^debug: engine' "$OMSIG" --log-level debug "${K[@]}"
run "--log-level=Debug" 0 '^debug: engine' "$OMSIG" --log-level=Debug "${K[@]}"
run "--log-level DEBUG --json: stdout is the document" 0 '^debug: engine' "$OMSIG" --log-level DEBUG "${K[@]}" --json
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" 2>/dev/null && ok "DEBUG --json: one document" ||
    bad "DEBUG --json: stdout is not one JSON document"
run "INFO (default): no debug lines" 0 '^Verification succeeded$' "$OMSIG" --log-level INFO "${K[@]}"
grep -q debug: "$tmp/err" && bad "INFO printed debug lines" || ok "INFO: no debug lines"
run "after the command too (omsig's extension)" 0 '^debug: engine' "$OMSIG" "${K[@]}" --log-level DEBUG

run "bad level" 2 "^Error: Invalid value for '--log-level': 'FOO' is not one of 'debug', 'info', 'warning', 'error', 'critical'\\.$" \
    "$OMSIG" --log-level FOO "${K[@]}"
run "bad level after the command" 2 "Invalid value for '--log-level': 'loud'" "$OMSIG" "${K[@]}" --log-level loud
run "level without a value" 2 "^Error: Option '--log-level' requires an argument\\.$" "$OMSIG" --log-level
run "level without a command" 2 '^Error: Missing command\.$' "$OMSIG" --log-level DEBUG

# fingerprints are logged at INFO
run "INFO: fingerprints" 0 'sha256 Fingerprint' "$OMSIG" "${C[@]}"
run "WARNING: no fingerprints" 0 '^Verification succeeded$' "$OMSIG" --log-level WARNING "${C[@]}"
grep -q Fingerprint "$tmp/err" && bad "WARNING printed fingerprints" || ok "WARNING: fingerprints left out"

# a warning (a symlink out of the model) shows up to WARNING, not at ERROR or CRITICAL
mkdir -p "$tmp/m" && echo weights >"$tmp/m/w.bin" && echo outside >"$tmp/outside.txt"
ln -s "$tmp/outside.txt" "$tmp/m/link.txt"
"$OMSIG" sign key "$tmp/m" --signature "$tmp/m.sig" --private_key $P/p256.key.pem --allow_symlinks >/dev/null 2>&1
V=(verify key "$tmp/m" --signature "$tmp/m.sig" --public_key $P/p256.pub.pem --allow_symlinks)
run "WARNING: warnings" 0 'points outside the model' "$OMSIG" --log-level WARNING "${V[@]}"
for l in ERROR CRITICAL; do
    run "$l: verdict" 0 '^Verification succeeded$' "$OMSIG" --log-level $l "${V[@]}"
    [ -s "$tmp/err" ] && bad "$l: stderr: $(cat "$tmp/err")" || ok "$l: nothing on stderr"
done
run "ERROR: a failure is still said" 1 '^Verification failed with error: ' "$OMSIG" --log-level ERROR verify key "$tmp/m" \
    --signature $I/bundles/key-p256.sig --public_key $P/p256.pub.pem --allow_symlinks

run "MODEL_SIGNING_LOG_LEVEL=DEBUG" 0 '^debug: engine' env MODEL_SIGNING_LOG_LEVEL=DEBUG "$OMSIG" "${K[@]}"
run "the flag wins over the variable" 0 '^Verification succeeded$' env MODEL_SIGNING_LOG_LEVEL=DEBUG "$OMSIG" --log-level INFO "${K[@]}"
grep -q debug: "$tmp/err" && bad "the variable won" || ok "the flag won"
run "a bad variable is ignored" 0 '^Verification succeeded$' env MODEL_SIGNING_LOG_LEVEL=loud "$OMSIG" "${K[@]}"
summary
