#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the interop sample models under testdata/interop/models/, signs them
# with the reference implementation (model-signing 1.1.1 in tests/.venv) into
# testdata/interop/bundles/, and writes testdata/interop/cases.tsv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."

VENV=tests/.venv
REF_VERSION=1.1.1
PKI=testdata/pki
DIR=testdata/interop

# ---------------------------------------------------------------------------
# Reference implementation. model-signing 1.1.1 imports pyOpenSSL without
# declaring it as a dependency, so it is installed explicitly.

ref_works() {
  [ -x "$VENV/bin/model_signing" ] &&
    "$VENV/bin/python" -c 'import model_signing.signing, model_signing.verifying' 2>/dev/null
}

if ! ref_works; then
  echo "make_interop.sh: setting up $VENV with model-signing==$REF_VERSION" >&2
  bash tests/interop/setup_venv.sh || exit 77
  ref_works || { echo "make_interop.sh: the reference in $VENV does not run; skipping" >&2; exit 77; }
fi
MS="$VENV/bin/model_signing"

for f in p256.key.pem p256.pub.pem p384.key.pem p384.pub.pem p521.key.pem \
         p521.pub.pem chain.pem root.cert.pem other-root.cert.pem \
         leaf-p256.cert.pem leaf-p384.cert.pem leaf-p521.cert.pem \
         leaf-expired.cert.pem leaf-nousage.cert.pem other-leaf.cert.pem; do
  [ -f "$PKI/$f" ] || { echo "make_interop.sh: missing $PKI/$f (run $PKI/make_pki.sh)" >&2; exit 1; }
done

# ---------------------------------------------------------------------------
# Models (deterministic content).

rm -rf "$DIR/models" "$DIR/bundles"
mkdir -p "$DIR/models" "$DIR/bundles"

# put PATH TEXT: writes TEXT (backslash escapes expanded) to PATH, creating parent dirs.
put() {
  mkdir -p "$(dirname "$1")"
  printf '%b' "$2" >"$1"
}

# numbers PATH N: a deterministic text file of N lines.
numbers() {
  mkdir -p "$(dirname "$1")"
  seq 1 "$2" >"$1"
}

# bytes PATH: a deterministic file holding every byte value 0..255 twice.
bytes() {
  mkdir -p "$(dirname "$1")"
  local i s=""
  for i in $(seq 0 255); do s+=$(printf '\\0%03o' "$i"); done
  printf '%b' "$s$s" >"$1"
}

build_nested() { # build_nested DIR
  local m="$1"
  put "$m/a.md" 'top-level a.md\n'
  put "$m/a/README.md" '# a/README.md\n'
  put "$m/a-b.txt" 'a-b.txt sorts before a.md and a/ bytewise\n'
  put "$m/a0.txt" 'a0.txt sorts after a/ bytewise\n'
  put "$m/A.txt" 'upper-case A.txt\n'
  put "$m/a/b/c/deep.txt" 'three levels down\n'
  numbers "$m/a/b/numbers.txt" 200
  bytes "$m/a/b/c/bytes.bin"
  put "$m/a/.gitignore" '# not at the model root: part of the signature\n'
  : >"$m/empty.bin"
  put "$m/.hidden" 'dot-file at the root\n'
  put "$m/.cache/x" 'file in a dot-directory\n'
  put "$m/.gitignore" '# at the model root: excluded from the signature by default\n'
  put "$m/.github/workflow.yml" '# excluded from the signature by default\n'
}

build_nested "$DIR/models/nested"

U="$DIR/models/unicode"
put "$U/weights café.bin" 'café\n'
put "$U/日本語/テンソル.bin" 'テンソル\n'
put "$U/with space/file name.txt" 'name with spaces\n'
put "$U/Ünïcödé/ß.txt" 'ß\n'
put "$U/plain.txt" 'ascii\n'

put "$DIR/models/single/model.bin" 'single-file model\n'

I="$DIR/models/ignore"
put "$I/weights.bin" 'kept\n'
put "$I/notes.txt" 'ignored at signing: notes.txt\n'
put "$I/cache/tmp.bin" 'ignored at signing: cache/\n'
put "$I/cache/deeper/tmp2.bin" 'ignored at signing: cache/deeper\n'
put "$I/cache.bin" 'kept: only the cache/ directory is ignored\n'
put "$I/sub/notes.txt" 'kept: only the top-level notes.txt is ignored\n'
IGNORE_ARGS="--ignore-paths $I/cache --ignore-paths $I/notes.txt"

# Copies of "nested" changed after signing, for the negative cases.
build_nested "$DIR/models/tampered"
printf 'x' >>"$DIR/models/tampered/a/b/c/deep.txt"
build_nested "$DIR/models/extra-file"
put "$DIR/models/extra-file/a/b/extra.txt" 'not in the signature\n'
build_nested "$DIR/models/missing-file"
rm "$DIR/models/missing-file/a/README.md"

# ---------------------------------------------------------------------------
# Signing and checking.

sign_key() { # sign_key MODEL BUNDLE CURVE [ignore args...]
  local model="$1" bundle="$2" curve="$3"
  shift 3
  "$MS" sign key "$model" --signature "$bundle" \
    --private_key "$PKI/$curve.key.pem" "$@" >/dev/null
}

sign_cert() { # sign_cert MODEL BUNDLE LEAF CHAIN [ignore args...]
  local model="$1" bundle="$2" leaf="$3" chain="$4"
  shift 4
  "$MS" sign certificate "$model" --signature "$bundle" \
    --private_key "$PKI/$leaf.key.pem" --signing_certificate "$PKI/$leaf.cert.pem" \
    --certificate_chain "$chain" "$@" >/dev/null
}

# ref_verify METHOD MODEL BUNDLE MATERIAL EXTRA: runs the reference verifier;
# sets REF_RC and REF_MSG (last line of its output).
ref_verify() {
  local method="$1" model="$2" bundle="$3" material="$4" extra="$5" opt out
  case "$method" in
    key) opt=--public_key ;;
    certificate) opt=--certificate_chain ;;
  esac
  local extra_args=()
  [ "$extra" = "-" ] || read -r -a extra_args <<<"$extra"
  set +e
  out="$("$MS" verify "$method" "$model" --signature "$bundle" "$opt" "$material" \
    "${extra_args[@]}" 2>&1)"
  REF_RC=$?
  set -e
  REF_MSG="$(printf '%s\n' "$out" | tail -n 1 | sed 's/[[:space:]]*$//')"
}

subject_digest() { # subject_digest BUNDLE
  "$VENV/bin/python" - "$1" <<'PY'
import base64, json, sys
bundle = json.load(open(sys.argv[1], encoding="utf-8"))
statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
print(statement["subject"][0]["digest"]["sha256"])
PY
}

CASES="$DIR/cases.tsv"
EXTRA="$DIR/extra_cases.tsv"
TAB=$'\t'
printf '# case\tmethod\tmodel\tbundle\tmaterial\textra_args\troot_sha256\n' >"$CASES"
printf '# case\tmethod\tmodel\tbundle\tmaterial\textra_args\treference_exit\treference_message\n' >"$EXTRA"

# add_case CASE METHOD MODEL BUNDLE MATERIAL EXTRA (MODEL/BUNDLE relative to $DIR)
add_case() {
  local c="$1" method="$2" model="$3" bundle="$4" material="$5" extra="$6" digest
  ref_verify "$method" "$DIR/$model" "$DIR/$bundle" "$material" "$extra"
  if [ "$REF_RC" -ne 0 ] || [ "$REF_MSG" != "Verification succeeded" ]; then
    echo "make_interop.sh: reference verify failed for $c: $REF_MSG" >&2
    exit 1
  fi
  digest="$(subject_digest "$DIR/$bundle")"
  printf '%s\n' "$c$TAB$method$TAB$model$TAB$bundle$TAB$material$TAB$extra$TAB$digest" >>"$CASES"
  echo "case $c: reference verify ok, root $digest"
}

# add_extra CASE METHOD MODEL BUNDLE MATERIAL EXTRA: records the reference's result.
add_extra() {
  local c="$1" method="$2" model="$3" bundle="$4" material="$5" extra="$6"
  ref_verify "$method" "$DIR/$model" "$DIR/$bundle" "$material" "$extra"
  printf '%s\n' "$c$TAB$method$TAB$model$TAB$bundle$TAB$material$TAB$extra$TAB$REF_RC$TAB$REF_MSG" >>"$EXTRA"
  echo "extra case $c: reference exit $REF_RC: $REF_MSG"
}

B="$DIR/bundles"
N="$DIR/models/nested"

sign_key "$N" "$B/nested.sig" p256
sign_key "$U" "$B/unicode.sig" p256
sign_key "$DIR/models/single/model.bin" "$B/single.sig" p256
# shellcheck disable=SC2086
sign_key "$I" "$B/ignore.sig" p256 $IGNORE_ARGS
for c in p256 p384 p521; do
  sign_key "$N" "$B/key-$c.sig" "$c"
  sign_cert "$N" "$B/cert-$c.sig" "leaf-$c" "$PKI/chain.pem"
done
sign_cert "$N" "$B/cert-expired.sig" leaf-expired "$PKI/chain.pem"
sign_cert "$N" "$B/cert-nousage.sig" leaf-nousage "$PKI/chain.pem"
sign_cert "$N" "$B/cert-other-root.sig" other-leaf "$PKI/other-root.cert.pem"

add_case nested key models/nested bundles/nested.sig "$PKI/p256.pub.pem" -
add_case unicode key models/unicode bundles/unicode.sig "$PKI/p256.pub.pem" -
add_case single key models/single/model.bin bundles/single.sig "$PKI/p256.pub.pem" -
add_case ignore key models/ignore bundles/ignore.sig "$PKI/p256.pub.pem" "$IGNORE_ARGS"
for c in p256 p384 p521; do
  add_case "key-$c" key models/nested "bundles/key-$c.sig" "$PKI/$c.pub.pem" -
done
for c in p256 p384 p521; do
  add_case "cert-$c" certificate models/nested "bundles/cert-$c.sig" "$PKI/root.cert.pem" -
done

add_extra cert-expired certificate models/nested bundles/cert-expired.sig "$PKI/root.cert.pem" -
add_extra cert-nousage certificate models/nested bundles/cert-nousage.sig "$PKI/root.cert.pem" -
add_extra cert-other-root certificate models/nested bundles/cert-other-root.sig "$PKI/root.cert.pem" -
add_extra cert-wrong-root certificate models/nested bundles/cert-p256.sig "$PKI/other-root.cert.pem" -
add_extra key-wrong-key key models/nested bundles/key-p256.sig "$PKI/p384.pub.pem" -
add_extra key-as-cert certificate models/nested bundles/key-p256.sig "$PKI/root.cert.pem" -
add_extra tampered key models/tampered bundles/nested.sig "$PKI/p256.pub.pem" -
add_extra extra-file key models/extra-file bundles/nested.sig "$PKI/p256.pub.pem" -
add_extra missing-file key models/missing-file bundles/nested.sig "$PKI/p256.pub.pem" -
add_extra ignore-no-args key models/ignore bundles/ignore.sig "$PKI/p256.pub.pem" -
add_extra single-as-dir key models/single bundles/single.sig "$PKI/p256.pub.pem" -

echo "make_interop.sh: wrote $CASES and $EXTRA"
