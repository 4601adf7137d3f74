#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# reference_messages.sh - runs the reference (model_signing in tests/.venv, sigstore-python)
# offline on every case of testdata/sigstore/cases.tsv and prints its verdict next to ours.
# Informative only (not a CTest test).  Exit 77 without the venv or ../shared.
set -u
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
PY=tests/.venv/bin/python
[ -x "$PY" ] && [ -d "$SHARED/vectors/sigstore" ] || { echo "skip: needs $PY and $SHARED"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The reference takes only a ClientTrustConfig; wrap the bare roots (in a temp dir).
for n in production staging; do
  "$PY" - "$SHARED/vectors/sigstore/trusted_root.$n.json" "$tmp/$n.json" <<'EOF'
import json, sys
root = json.load(open(sys.argv[1]))
json.dump({"mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
           "trustedRoot": root,
           "signingConfig": {"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json"}},
          open(sys.argv[2], "w"))
EOF
done
grep -v '^#' testdata/sigstore/cases.tsv | while IFS=$'\t' read -r name bundle trust ident iss expected; do
  bundle=${bundle/\$SHARED/$SHARED}
  model=$SHARED/vectors/model-transparency/v1.0.0-sigstore
  case $name in valid-tsa*|tsa-*) model=$SHARED/vectors/model-transparency/v1.1.0-sigstore ;; esac
  out=$("$PY" -m model_signing verify sigstore "$model" --signature "$bundle" \
        --identity "$ident" --identity_provider "$iss" --trust_config "$tmp/$trust.json" \
        --ignore-paths "$model/model.sig" 2>&1 | tail -1)
  printf '%s\n  ours:      %s\n  reference: %s\n' "$name" "$expected" "$out"
done
