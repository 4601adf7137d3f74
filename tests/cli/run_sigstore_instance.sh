#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `verify sigstore --use_staging` on a bundle of Sigstore's production instance, and the
# reverse: after the failed check's own message, omsig says that the bundle's transparency log
# (by key id) or the authority that issued its certificate is not in the chosen trust root, and
# asks whether it was signed with (or without) --use_staging.  The bundles come from ../shared
# (model-transparency's sigstore vector); without it the test skips.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
SHARED=${OMSIG_SHARED:-../shared}
V=$SHARED/vectors/model-transparency/v1.0.0-sigstore
[ -f "$V/model.sig" ] && [ -f "$SHARED/vectors/sigstore/trusted_root.staging.json" ] ||
    { echo "SKIP: no $V/model.sig (the shared vectors are absent)"; exit 77; }
PY=tests/.venv/bin/python
[ -x "$PY" ] || PY=python3
command -v "$PY" >/dev/null || { echo "SKIP: no python3 to derive the staging-log bundle"; exit 77; }
# the roots built into omsig, not a trust root sigstore-python may have cached on this machine
export XDG_CACHE_HOME=$tmp/cache
mkdir -p "$XDG_CACHE_HOME"
ID=(--identity stefanb@us.ibm.com --identity_provider https://sigstore.verify.ibm.com/oauth2)
PROD_LOG=c0d23d6ad406973f9559f3ba2d1ca01f84147d8ffc5b8445c224f98b9591801d
CA="CN=sigstore-intermediate,O=sigstore.dev"
PRE="Verification failed with error: failed to build timestamp certificate chain: unable to get local issuer certificate."

run "the production bundle verifies in production" 0 '^Verification succeeded$' \
    "$OMSIG" verify sigstore "$V" --signature "$V/model.sig" "${ID[@]}"
run "the production bundle with --use_staging" 1 "" \
    "$OMSIG" verify sigstore "$V" --signature "$V/model.sig" "${ID[@]}" --use_staging
want="$PRE The bundle's transparency log (key id $PROD_LOG) and the authority that issued its certificate ('$CA') are not in the staging trust root; was it signed without --use_staging (Sigstore's production instance)?"
[ "$(cat "$tmp/err")" = "$want" ] && ok "--use_staging: the message" || bad "--use_staging: $(cat "$tmp/err")"
run "  in --json" 1 "" "$OMSIG" verify sigstore "$V" --signature "$V/model.sig" "${ID[@]}" --use_staging --json
grep -qF "are not in the staging trust root; was it signed without --use_staging" "$tmp/out" &&
    ok "  --json: the message" || bad "  --json: $(cat "$tmp/out")"

# the staging root given as a file: which built-in root has what the bundle needs
run "the production bundle with the staging root as --trust_config" 1 "" \
    "$OMSIG" verify sigstore "$V" --signature "$V/model.sig" "${ID[@]}" \
    --trust_config "$SHARED/vectors/sigstore/trusted_root.staging.json"
want="$PRE The bundle's transparency log (key id $PROD_LOG) and the authority that issued its certificate ('$CA') are not in the trust root given with --trust_config; Sigstore's production trust root has them: was it signed there (verify without --trust_config)?"
[ "$(cat "$tmp/err")" = "$want" ] && ok "--trust_config staging: the message" || bad "--trust_config staging: $(cat "$tmp/err")"

# the reverse: a bundle whose log is staging's (its logId names staging's Rekor key), checked
# against the production root: the checkpoint's signature is looked up by the logId
read -r STAGING_LOG < <("$PY" - "$V/model.sig" "$SHARED/vectors/sigstore/trusted_root.staging.json" "$tmp/staging-log.sig" <<'PY'
import base64, json, sys
bundle, root, out = sys.argv[1:4]
b = json.load(open(bundle))
key_id = json.load(open(root))["tlogs"][0]["logId"]["keyId"]
b["verificationMaterial"]["tlogEntries"][0]["logId"]["keyId"] = key_id
json.dump(b, open(out, "w"))
print(base64.b64decode(key_id).hex())
PY
)
[ ${#STAGING_LOG} = 64 ] || { bad "deriving the staging-log bundle"; summary; exit; }
run "a staging log's bundle in production" 1 "" \
    "$OMSIG" verify sigstore "$V" --signature "$tmp/staging-log.sig" "${ID[@]}"
want="Verification failed with error: invalid log entry: checkpoint: Signature not found for log ID $STAGING_LOG. The bundle's transparency log (key id $STAGING_LOG) is not in the production trust root; was it signed with --use_staging?"
[ "$(cat "$tmp/err")" = "$want" ] && ok "production: the message" || bad "production: $(cat "$tmp/err")"

# a failure the trust root does not explain gets no such sentence
run "a wrong identity: no instance sentence" 1 "Certificate's SANs do not match someone@example.com" \
    "$OMSIG" verify sigstore "$V" --signature "$V/model.sig" --identity someone@example.com \
    --identity_provider https://sigstore.verify.ibm.com/oauth2
grep -q "trust root" "$tmp/err" && bad "wrong identity: $(cat "$tmp/err")" || ok "wrong identity: nothing about trust roots"
summary
