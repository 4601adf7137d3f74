#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# model_signing 1.1.1 (tests/.venv) and omsig side by side: each command form of the
# reference's --help, NVIDIA's two documented commands and the command lines users type, run
# through both tools in the same folder, their exit codes and messages compared.  A case is
#   same  exit codes and the message (the last line of stderr, else of stdout; program names
#         aside) are the same;
#   code  the exit codes are the same, the words differ (the reason is given);
#   diff  an intended difference (the reason is given).
# A "same" or "code" case that differs fails the test; a "diff" case that turns out the same
# is only reported.  The table of every case goes to stdout (Markdown), and to FILE with
# --table FILE.  The help texts are checked too: every command, method and flag of the
# reference's help is in omsig's.  Usage: run_side_by_side.sh OMSIG [--table FILE]
# Skips (77) without the reference.
set -u
OMSIG=$(realpath "$1")
TABLE=
[ "${2:-}" = --table ] && TABLE=$(realpath -m "$3")
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
# shellcheck source=../lib.sh
. tests/lib.sh
MS=$ROOT/tests/.venv/bin/model_signing
if [ ! -x "$MS" ] || ! "$MS" --version >/dev/null 2>&1; then
    echo "SKIP: the reference is not installed (tests/interop/setup_venv.sh)"
    exit 77
fi
P=$ROOT/testdata/pki
W=$tmp/w
mkdir -p "$W" "$tmp/home-ms" "$tmp/home-om"
cd "$W" || exit 1
cp -r "$ROOT/testdata/interop/models/nested" m
for f in p256.key.pem p256.pub.pem p384.pub.pem p256-enc.key.pem leaf-p256.key.pem leaf-p256.cert.pem \
    leaf-p384.key.pem leaf-p384.cert.pem int.cert.pem chain.pem root.cert.pem; do
    cp "$P/$f" .
done
# the model of model-transparency's v1.1.0-sigstore vector, a bundle of it, and a client trust
# config made of the reference's own trusted_root.json and signing config
mkdir -p sg && printf signme-1 >sg/signme-1 && printf signme-2 >sg/signme-2 && : >sg/ignore-me
cp "$ROOT/testdata/sigstore/valid-tsa-time-only.sig" sg.sig
cp "$ROOT/testdata/sigstore/tsa-bitflip.sig" sg-bad.sig
store=$(echo "$ROOT"/tests/.venv/lib/python3*/site-packages/sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev)
python3 - "$store" <<'PY'
import json, sys
d = sys.argv[1]
json.dump({"mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
           "trustedRoot": json.load(open(d + "/trusted_root.json")),
           "signingConfig": json.load(open(d + "/signing_config.v0.2.json"))}, open("trust.json", "w"))
PY
ID=(--identity stefanb@us.ibm.com --identity_provider https://sigstore.verify.ibm.com/oauth2)
# NVIDIA's skills: a directory with its signature inside, signed with a certificate chain
mkdir -p skill && echo "# skill" >skill/SKILL.md && echo 'print(1)' >skill/run.py
"$MS" sign certificate skill --signature skill/skill.oms.sig --private_key leaf-p384.key.pem \
    --signing_certificate leaf-p384.cert.pem --certificate_chain chain.pem >/dev/null 2>&1 ||
    bad "the reference could not sign the skill"
# a Hugging Face cache snapshot: every file a symlink into ../../blobs/
mkdir -p hf/blobs hf/snapshots/abc
for f in config.json model.safetensors tokenizer.json; do
    echo "$f" >"hf/blobs/$f.blob" && ln -s "../../blobs/$f.blob" "hf/snapshots/abc/$f"
done
"$MS" sign key hf/snapshots/abc --signature hf.sig --private_key p256.key.pem --allow_symlinks >/dev/null 2>&1
cat leaf-p256.cert.pem int.cert.pem >leaf+int.pem
mkdir -p single && echo weights >single/w.bin
printf '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",\n}' >broken.sig

rows=()
n_same=0 n_code=0 n_diff=0
# msg FILE_OUT FILE_ERR: the message of a run, program names and the reference's noise aside
msg() {
    local m
    # omsig's per-file lines after a digest mismatch's message are its own; the message is
    # the reference's line before them
    m=$(grep -vE '^(OpenTelemetry not installed|Retrying \(Retry|debug: |Digest differs for |Extra file |Missing file )' "$2" |
        sed '/^[[:space:]]*$/d' | tail -n 1)
    [ -z "$m" ] && m=$(sed '/^[[:space:]]*$/d' "$1" | tail -n 1)
    printf '%s' "$m" | sed -e 's/model_signing/PROG/g' -e 's/omsig/PROG/g' | cut -c1-220
}
cell() { printf '%s' "$1" | sed -e 's/|/\\|/g' -e 's/`/'"'"'/g'; }
# side MODE REASON -- ARGS...: one case; the reference's files are made before omsig's run
side() {
    local mode=$1 reason=$2
    shift 3
    local ms_rc om_rc ms_m om_m verdict
    HOME=$tmp/home-ms "$MS" "$@" >"$tmp/ms.out" 2>"$tmp/ms.err"
    ms_rc=$?
    HOME=$tmp/home-om "$OMSIG" "$@" >"$tmp/om.out" 2>"$tmp/om.err"
    om_rc=$?
    ms_m=$(msg "$tmp/ms.out" "$tmp/ms.err")
    om_m=$(msg "$tmp/om.out" "$tmp/om.err")
    local name="$*"
    name=${name//$ROOT/.}
    [ -n "$name" ] || name="(no arguments)"
    case $mode in
    same)
        if [ "$ms_rc" = "$om_rc" ] && [ "$ms_m" = "$om_m" ]; then verdict=same; n_same=$((n_same + 1)); ok "same: $name"
        else verdict="DIFFERENT (expected the same)"; bad "same: $name: reference $ms_rc '$ms_m', omsig $om_rc '$om_m'"; fi ;;
    code)
        if [ "$ms_rc" = "$om_rc" ]; then verdict="same exit code; words differ: $reason"; n_code=$((n_code + 1)); ok "code: $name"
        else verdict="DIFFERENT exit code (expected the same): $reason"; bad "code: $name: reference $ms_rc, omsig $om_rc ($om_m)"; fi ;;
    diff)
        if [ "$ms_rc" = "$om_rc" ] && [ "$ms_m" = "$om_m" ]; then verdict="same (listed as a difference: $reason)"; echo "NOTE now the same: $name"
        else verdict="different: $reason"; n_diff=$((n_diff + 1)); ok "diff: $name"; fi ;;
    esac
    rows+=("| \`$(cell "${name}")\` | $ms_rc: $(cell "$ms_m") | $om_rc: $(cell "$om_m") | $(cell "$verdict") |")
}

# ---- the reference's --help: each documented form -----------------------------------------
H="help texts are each tool's own (omsig's lists its own flags too)"
side code "$H" -- --help
side code "$H" -- -h
side code "the version strings" -- --version
side code "$H; no arguments: help on stderr" --
side code "$H" -- sign --help
side code "$H" -- verify --help
side code "$H; no method: the methods on stderr" -- sign
side code "$H; no method: the methods on stderr" -- verify
for m in "sign key" "sign certificate" "sign sigstore" "sign pkcs11-key" "sign pkcs11-certificate" \
    "verify key" "verify certificate" "verify sigstore"; do
    # shellcheck disable=SC2086
    side code "$H" -- $m --help
done
side code "$H, wrapped the same (78 columns at most)" -- verify sigstore --help
# every command, method and flag of the reference's help in omsig's (flags with hyphens)
check_help() {
    local what=$1 w missing=
    shift
    "$MS" "$@" --help 2>/dev/null | grep -v OpenTelemetry >"$tmp/ref.help"
    "$OMSIG" "$@" --help >"$tmp/om.help" 2>&1
    for w in $(grep -oE -- '--[A-Za-z][A-Za-z0-9_-]*' "$tmp/ref.help" | tr _ - | sort -u) \
        $(sed -n '/^Commands:/,/^$/p' "$tmp/ref.help" | grep -oE '^  [a-z][a-z0-9-]*' | sort -u); do
        tr _ - <"$tmp/om.help" | grep -qE -- "(^|[^[:alnum:]-])$w([^[:alnum:]-]|$)" || missing="$missing $w"
    done
    if [ -z "$missing" ]; then ok "help of '$what' holds the reference's commands and flags"
    else bad "help of '$what' lacks:$missing"; fi
}
check_help "omsig"
check_help "sign" sign
check_help "verify" verify
for m in "sign key" "sign certificate" "verify key" "verify certificate" "verify sigstore"; do
    # shellcheck disable=SC2086
    check_help "$m" $m
done
COLUMNS=200 "$MS" verify sigstore --help 2>/dev/null | awk '{ if (length($0) > m) m = length($0) } END { print m }' >"$tmp/w.ms"
COLUMNS=200 "$OMSIG" verify sigstore --help | awk '{ if (length($0) > m) m = length($0) } END { print m }' >"$tmp/w.om"
[ "$(cat "$tmp/w.om")" -le "$(cat "$tmp/w.ms")" ] && ok "help width: omsig $(cat "$tmp/w.om") <= reference $(cat "$tmp/w.ms")" ||
    bad "help width: omsig $(cat "$tmp/w.om"), reference $(cat "$tmp/w.ms")"

# ---- the documented commands -------------------------------------------------------------------
side same "" -- sign key m --signature ms-key.sig --private_key p256.key.pem
side same "" -- sign key m --private_key p256.key.pem
side same "" -- sign certificate m --signature ms-cert.sig --private_key leaf-p384.key.pem \
    --signing_certificate leaf-p384.cert.pem --certificate_chain chain.pem
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem
side same "" -- verify certificate m --signature ms-cert.sig --certificate_chain root.cert.pem
side same "" -- verify certificate m --signature ms-cert.sig --certificate_chain root.cert.pem --log_fingerprints
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem --ignore-paths m/a.md
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem --ignore-git-paths
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem --no-ignore-git-paths
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem --ignore_unsigned_files
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem --no-ignore_unsigned_files
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem --allow_symlinks
side same "" -- verify key m --signature ms-key.sig --public_key p384.pub.pem
side same "" -- verify key m --signature nope.sig --public_key p256.pub.pem
side same "" -- verify sigstore sg --signature sg.sig "${ID[@]}" --trust_config trust.json
side same "" -- verify sg --signature sg.sig "${ID[@]}" --trust_config trust.json
side same "" -- verify sigstore sg --signature sg.sig --identity someone@example.com \
    --identity_provider https://sigstore.verify.ibm.com/oauth2 --trust_config trust.json
side diff "the reference fetches Sigstore's trust root over TUF and fails offline; omsig uses sigstore-python's cache or its built-in copy" \
    -- verify sigstore sg --signature sg.sig "${ID[@]}"
side diff "--use_staging without --trust_config: TUF offline in the reference; omsig's built-in staging root, which does not hold this production bundle's keys" \
    -- verify sigstore sg --signature sg.sig "${ID[@]}" --use_staging
side diff "a bundle signed after the built-in root's newest key fails on a key: omsig adds the hint to pass --trust_config; the reference fails offline" \
    -- verify sigstore sg --signature sg-bad.sig "${ID[@]}"
side diff "the reference's --password is broken (it passes a str where bytes are needed); omsig signs" \
    -- sign key m --signature enc.sig --private_key p256-enc.key.pem --password omsig-test
side diff "omsig does not sign keyless (a usage error: no identity provider offline); the reference tries its OAuth flow, which fails offline (exit 1)" \
    -- sign sigstore m --signature s.sig --identity_token x
side code "both fail (exit 1): the reference lacks its pkcs11 extra (PyKCS11) here; omsig says the URI names no token (tests/pkcs11 signs with a real token)" \
    -- sign pkcs11-key m --signature p.sig --pkcs11_uri pkcs11:object=x

# ---- NVIDIA's commands ---------------------------------------------------------------------
side diff "NGC's announcement form, no method word: the reference routes it to sigstore and refuses --certificate_chain; omsig takes the method from the flag" \
    -- verify m --signature ms-cert.sig --certificate_chain root.cert.pem
side same "" -- verify certificate skill --signature skill/skill.oms.sig --certificate_chain root.cert.pem
side diff "the skills' documented spelling --certificate-chain is model_signing's next release's; 1.1.1 knows only --certificate_chain, omsig both" \
    -- verify certificate skill --signature skill/skill.oms.sig --certificate-chain root.cert.pem
side diff "--ignore-unsigned-files likewise (next release's spelling)" \
    -- verify certificate skill --signature skill/skill.oms.sig --certificate-chain root.cert.pem --ignore-unsigned-files
side same "" -- verify certificate skill --signature skill/skill.oms.sig --certificate_chain root.cert.pem --ignore_unsigned_files

# ---- what users type, form by form -------------------------------------------------------------
side diff "item 1: --public_key without a method word is key in omsig" -- verify m --signature ms-key.sig --public_key p256.pub.pem
side code "item 1: two methods' flags: the reference refuses --public_key under sigstore, omsig names both methods" \
    -- verify m --signature ms-key.sig --public_key p256.pub.pem --certificate_chain root.cert.pem
side same "" -- --log-level DEBUG verify key m --signature ms-key.sig --public_key p256.pub.pem
side same "" -- --log-level debug verify key m --signature ms-key.sig --public_key p256.pub.pem
side same "" -- --log-level FOO verify key m --signature ms-key.sig --public_key p256.pub.pem
side same "" -- --log-level
side same "" -- --log-level DEBUG
side diff "item 3: omsig also takes --log-level after the command (the reference only before it)" \
    -- verify key m --signature ms-key.sig --public_key p256.pub.pem --log-level DEBUG
side diff "item 5: a leaf+intermediate file: the reference cannot read it; omsig embeds the chain" \
    -- sign certificate m --signature chain.sig --private_key leaf-p256.key.pem --signing_certificate leaf+int.pem
side same "" -- verify certificate m --signature chain.sig --certificate_chain root.cert.pem
side same "" -- verify key m --signatur ms-key.sig
side same "" -- verify key m --sig ms-key.sig
side same "" -- verify key m --public-ky p
side same "" -- verify key m --ignore_path x
side same "" -- verify certificate m --certificate_chan c
side same "" -- verify sigstore m --identity_provder x
side same "" -- sign key m --private-kye k
side same "" -- verfy m
side same "" -- sgn m
side same "" -- --log-levl DEBUG verify
side same "" -- --verison
side same "" -- -x
side same "" -- verify key m -signature x
side same "" -- verify key m --signature
side same "" -- verify key m --allow_symlinks=1
side same "" -- verify key m n
side same "" -- verify key m n --signature s --public_key p
side same "" -- verify key m --bogus
side same "" -- sign key m
side same "" -- sign certificate m --private_key p256.key.pem
side same "" -- verify sigstore m --signature s
side same "" -- verify sigstore m --signature s --identity x
side code "item 7: the HF cache verifies in both; omsig says in one line that its symlinks point outside the model" \
    -- verify key hf/snapshots/abc --signature hf.sig --public_key p256.pub.pem --allow_symlinks
side diff "item 8: --shard-size is omsig's (with a note that model_signing's CLI cannot verify the result)" \
    -- sign key m --signature shards.sig --private_key p256.key.pem --shard-size 1M
side diff "item 8: the reference's CLI cannot verify a shards manifest (it hashes whole files); omsig can" \
    -- verify key m --signature shards.sig --public_key p256.pub.pem
side code "item 9: a malformed bundle: both give Python's JSON error and position; omsig says first that the signature file is not valid JSON" \
    -- verify key m --signature broken.sig --public_key p256.pub.pem
side same "" -- sign key single/w.bin --signature single.sig --private_key p256.key.pem
side same "" -- verify key single/w.bin --signature single.sig --public_key p256.pub.pem
side diff "item 14: --ignore-paths naming the model root ignores every file in both; the reference then signs an empty manifest, omsig refuses to sign a model with no files (a signature over nothing proves nothing)" \
    -- sign key m --signature root-ignored.sig --private_key p256.key.pem --ignore-paths m
side same "" -- verify key m --signature ms-key.sig --public_key p256.pub.pem --ignore-paths m

# ---- what the files are -----------------------------------------------------------------------
# item 12: the umask, and a --signature that names a symlink
(umask 027 && HOME=$tmp/home-ms "$MS" sign key m --signature u-ms.sig --private_key p256.key.pem >/dev/null 2>&1)
(umask 027 && "$OMSIG" sign key m --signature u-om.sig --private_key p256.key.pem >/dev/null 2>&1)
[ "$(stat -c %a u-ms.sig)" = "$(stat -c %a u-om.sig)" ] && ok "umask 027: both $(stat -c %a u-om.sig)" ||
    bad "umask 027: reference $(stat -c %a u-ms.sig), omsig $(stat -c %a u-om.sig)"
rows+=("| \`umask 027; sign key m --signature S ...\` | mode $(stat -c %a u-ms.sig) | mode $(stat -c %a u-om.sig) | $([ "$(stat -c %a u-ms.sig)" = "$(stat -c %a u-om.sig)" ] && echo same || echo DIFFERENT) |")
mkdir -p out && ln -s out/ms-target.sig ms-link.sig && ln -s out/om-target.sig om-link.sig
HOME=$tmp/home-ms "$MS" sign key m --signature ms-link.sig --private_key p256.key.pem >/dev/null 2>&1
"$OMSIG" sign key m --signature om-link.sig --private_key p256.key.pem >/dev/null 2>&1
ms_l=$([ -L ms-link.sig ] && [ -f out/ms-target.sig ] && echo "link kept, target written" || echo "link replaced")
om_l=$([ -L om-link.sig ] && [ -f out/om-target.sig ] && echo "link kept, target written" || echo "link replaced")
[ "$ms_l" = "$om_l" ] && ok "--signature naming a symlink: both $om_l" || bad "symlink: reference $ms_l, omsig $om_l"
rows+=("| \`sign key m --signature LINK ...\` | $ms_l | $om_l | $([ "$ms_l" = "$om_l" ] && echo same || echo DIFFERENT) |")
# item 13: what a single file's statement records
ign() { python3 -c 'import base64,json,sys; s=json.loads(base64.b64decode(json.load(open(sys.argv[1]))["dsseEnvelope"]["payload"])); print(" ".join(sorted(s["predicate"]["serialization"].get("ignore_paths", []))) or "none")' "$1"; }
HOME=$tmp/home-ms "$MS" sign key single/w.bin --signature s-ms.sig --private_key p256.key.pem >/dev/null 2>&1
"$OMSIG" sign key single/w.bin --signature s-om.sig --private_key p256.key.pem >/dev/null 2>&1
[ "$(ign s-ms.sig)" = "$(ign s-om.sig)" ] && ok "single file: the same ignore paths recorded" || bad "single file: reference $(ign s-ms.sig), omsig $(ign s-om.sig)"
rows+=("| \`sign key single/w.bin ...\`: ignore_paths | $(ign s-ms.sig) | $(ign s-om.sig) | $([ "$(ign s-ms.sig)" = "$(ign s-om.sig)" ] && echo same || echo DIFFERENT) |")
# each verifies the other's bundles
for pair in "key:ms-key.sig:--public_key p256.pub.pem" "certificate:ms-cert.sig:--certificate_chain root.cert.pem"; do
    IFS=: read -r meth sig flags <<<"$pair"
    # shellcheck disable=SC2086
    "$OMSIG" sign $meth m --signature "om-$meth.sig" --private_key $([ $meth = key ] && echo p256.key.pem || echo "leaf-p384.key.pem --signing_certificate leaf-p384.cert.pem --certificate_chain chain.pem") >/dev/null 2>&1
    # shellcheck disable=SC2086
    HOME=$tmp/home-ms "$MS" verify $meth m --signature "om-$meth.sig" $flags >/dev/null 2>&1 &&
        ok "the reference verifies omsig's $meth bundle" || bad "the reference does not verify omsig's $meth bundle"
done

{
    echo "| command | model_signing 1.1.1 (exit: message) | omsig (exit: message) | same or different |"
    echo "|---|---|---|---|"
    printf '%s\n' "${rows[@]}"
} >"$tmp/table.md"
echo
cat "$tmp/table.md"
[ -n "$TABLE" ] && cp "$tmp/table.md" "$TABLE"
echo
echo "cases: $n_same the same, $n_code the same exit code, $n_diff intended differences"
summary
