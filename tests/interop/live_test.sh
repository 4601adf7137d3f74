#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Signs a freshly generated random model with the reference implementation
# (tests/.venv) and checks that omsig verifies it, computes the same root
# digest, and rejects it after a one-byte change. Usage: live_test.sh OMSIG_BINARY
set -euo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 OMSIG_BINARY (a path to the built omsig)" >&2
  exit 2
fi
OMSIG=$(realpath "$1")

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

VENV=tests/.venv
MS="$VENV/bin/model_signing"
PKI=testdata/pki

if [ ! -x "$MS" ]; then
  echo "live_test.sh: $MS is absent (run tests/interop/make_interop.sh to create it); skipping" >&2
  exit 77
fi
if ! "$MS" --version >/dev/null 2>&1; then
  echo "live_test.sh: $MS does not run (broken virtualenv?); skipping" >&2
  exit 77
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# rand_below N: a random integer in [0, N).
rand_below() {
  local r
  r="$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')"
  echo $((r % $1))
}

# rand_file PATH: PATH filled with 0..64 KiB of random bytes.
rand_file() {
  mkdir -p "$(dirname "$1")"
  head -c "$(rand_below 65537)" /dev/urandom >"$1"
}

MODEL="$TMP/model"
mkdir -p "$MODEL"
rand_file "$MODEL/weights.bin"
rand_file "$MODEL/tokenizer config.json"
rand_file "$MODEL/nested/dir/shard-00001.bin"
rand_file "$MODEL/nested/shard-00002.bin"
rand_file "$MODEL/.meta"
: >"$MODEL/nested/empty"
for i in $(seq 1 "$(rand_below 4)"); do
  rand_file "$MODEL/extra/file-$i.dat"
done

describe_model() {
  echo "model files:" >&2
  (cd "$MODEL" && find . -type f -printf '  %s\t%p\n' | sort -k2) >&2
}

KEY_SIG="$TMP/key.sig"
CERT_SIG="$TMP/cert.sig"
if ! "$MS" sign key "$MODEL" --signature "$KEY_SIG" \
      --private_key "$PKI/p256.key.pem" >"$TMP/sign.log" 2>&1 ||
   ! "$MS" sign certificate "$MODEL" --signature "$CERT_SIG" \
      --private_key "$PKI/leaf-p384.key.pem" \
      --signing_certificate "$PKI/leaf-p384.cert.pem" \
      --certificate_chain "$PKI/chain.pem" >>"$TMP/sign.log" 2>&1; then
  echo "live_test.sh: reference signing failed:" >&2
  cat "$TMP/sign.log" >&2
  exit 1
fi

subject_digest() { # subject_digest BUNDLE
  "$VENV/bin/python" - "$1" <<'PY'
import base64, json, sys
bundle = json.load(open(sys.argv[1], encoding="utf-8"))
statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
print(statement["subject"][0]["digest"]["sha256"])
PY
}

ROOT_KEY="$(subject_digest "$KEY_SIG")"
ROOT_CERT="$(subject_digest "$CERT_SIG")"

passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# run_omsig ARGS...: runs omsig, sets RC; stdout/stderr in $TMP/out, $TMP/err.
run_omsig() {
  set +e
  "$OMSIG" "$@" >"$TMP/out" 2>"$TMP/err"
  RC=$?
  set -e
}

# expect_verify NAME WANT_RC ARGS...
expect_verify() {
  local name="$1" want="$2"
  shift 2
  run_omsig verify "$@"
  if [ "$RC" -ne "$want" ]; then
    fail "$name: exit $RC, expected $want: $(head -n 1 "$TMP/err")"
  elif [ "$want" -eq 0 ] && ! grep -qx 'Verification succeeded' "$TMP/out"; then
    fail "$name: stdout was '$(head -n 1 "$TMP/out")'"
  else
    pass "$name"
  fi
}

verify_key() { expect_verify "$1" "$2" key "$MODEL" --signature "$KEY_SIG" --public_key "$PKI/p256.pub.pem"; }
verify_cert() { expect_verify "$1" "$2" certificate "$MODEL" --signature "$CERT_SIG" --certificate_chain "$PKI/root.cert.pem"; }

verify_key "verify key (p256)" 0
verify_cert "verify certificate (leaf-p384)" 0

if [ "$ROOT_KEY" != "$ROOT_CERT" ]; then
  fail "reference bundles disagree on the root digest: $ROOT_KEY vs $ROOT_CERT"
fi
run_omsig digest "$MODEL"
if [ "$RC" -ne 0 ]; then
  fail "digest: exit $RC: $(head -n 1 "$TMP/err")"
elif [ "$(cat "$TMP/out")" != "sha256:$ROOT_KEY" ]; then
  fail "digest: got '$(head -n 1 "$TMP/out")', expected sha256:$ROOT_KEY"
else
  pass "digest sha256:$ROOT_KEY"
fi

# Append one byte to one file and expect both verifications to fail.
mapfile -t FILES < <(cd "$MODEL" && find . -type f -printf '%P\n' | sort)
VICTIM="${FILES[$(rand_below "${#FILES[@]}")]}"
printf '\001' >>"$MODEL/$VICTIM"
verify_key "verify key after changing $VICTIM" 1
verify_cert "verify certificate after changing $VICTIM" 1

if [ "$failed" -ne 0 ]; then
  describe_model
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
