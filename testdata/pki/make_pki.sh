#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Generates the test keys and the test PKI (root CA, intermediate CA, leaves)
# used by the omsig tests. Outputs are written next to this script.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
OUT="$PWD"

command -v openssl >/dev/null || { echo "make_pki.sh: openssl not found" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Validity windows (UTC). CA certificates cover 2019..2099 so that the expired
# leaf (2020..2021) is inside their validity at its notBefore.
CA_START=20190101000000Z
CA_END=20991231235959Z
LEAF_START=20250101000000Z
LEAF_END=20991231235959Z
EXPIRED_START=20200101000000Z
EXPIRED_END=20210101000000Z

PASSWORD=omsig-test

# ---------------------------------------------------------------------------
# Key generation helpers.

gen_ec() { # gen_ec CURVE OUTFILE
  openssl genpkey -algorithm EC \
    -pkeyopt "ec_paramgen_curve:$1" -pkeyopt ec_param_enc:named_curve \
    -out "$2"
}

pubout() { # pubout KEY PUB
  openssl pkey -in "$1" -pubout -out "$2"
}

# ---------------------------------------------------------------------------
# Key pairs for the key method.

for c in p256:P-256 p384:P-384 p521:P-521 k256:secp256k1; do
  name="${c%%:*}"
  curve="${c#*:}"
  gen_ec "$curve" "$OUT/$name.key.pem"
  pubout "$OUT/$name.key.pem" "$OUT/$name.pub.pem"
done

# Encrypted PKCS#8 copy of the P-256 key.
openssl pkcs8 -topk8 -in "$OUT/p256.key.pem" -v2 aes-256-cbc -v2prf hmacWithSHA256 \
  -passout "pass:$PASSWORD" -out "$OUT/p256-enc.key.pem"

openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$OUT/rsa.key.pem"
pubout "$OUT/rsa.key.pem" "$OUT/rsa.pub.pem"

openssl genpkey -algorithm ED25519 -out "$OUT/ed25519.key.pem"
pubout "$OUT/ed25519.key.pem" "$OUT/ed25519.pub.pem"

# ---------------------------------------------------------------------------
# Certificate authority helpers (openssl ca, so that dates can be set freely).

cat >"$WORK/req.cnf" <<'CNF'
[ req ]
distinguished_name = req_dn
prompt = no
[ req_dn ]
CN = unused
CNF

cat >"$WORK/ext.cnf" <<'CNF'
[ v3_root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_int ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_nousage ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# new_ca NAME: creates the database directory and configuration for one CA.
new_ca() {
  local d="$WORK/ca-$1"
  mkdir -p "$d/newcerts"
  : >"$d/index.txt"
  cat >"$d/ca.cnf" <<CNF
[ ca ]
default_ca = this_ca
[ this_ca ]
dir = $d
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
rand_serial = yes
default_md = sha256
policy = policy_any
email_in_dn = no
preserve = yes
unique_subject = no
copy_extensions = none
[ policy_any ]
organizationName = optional
commonName = supplied
CNF
}

# csr KEY SUBJECT OUTFILE
csr() {
  openssl req -new -config "$WORK/req.cnf" -key "$1" -subj "$2" -out "$3"
}

# sign CA_NAME CA_CERT|- CA_KEY CSR OUT EXTSECTION START END MD
# CA_CERT "-" means self-signed.
sign() {
  local ca="$1" cacert="$2" cakey="$3" req="$4" out="$5" ext="$6"
  local start="$7" end="$8" md="$9"
  local certarg=(-cert "$cacert")
  if [ "$cacert" = "-" ]; then
    certarg=(-selfsign)
  fi
  openssl ca -batch -notext -config "$WORK/ca-$ca/ca.cnf" \
    "${certarg[@]}" -keyfile "$cakey" -in "$req" -out "$out" \
    -extfile "$WORK/ext.cnf" -extensions "$ext" \
    -startdate "$start" -enddate "$end" -md "$md" 2>"$WORK/ca.log" \
    || { cat "$WORK/ca.log" >&2; return 1; }
}

# ---------------------------------------------------------------------------
# Root CA (P-384, self-signed).

new_ca root
gen_ec P-384 "$OUT/root.key.pem"
csr "$OUT/root.key.pem" "/O=omsig test/CN=omsig test root CA" "$WORK/root.csr"
sign root - "$OUT/root.key.pem" "$WORK/root.csr" "$OUT/root.cert.pem" \
  v3_root "$CA_START" "$CA_END" sha384

# Intermediate CA (P-256, pathlen:0), signed by the root.
new_ca int
gen_ec P-256 "$OUT/int.key.pem"
csr "$OUT/int.key.pem" "/O=omsig test/CN=omsig test intermediate CA" "$WORK/int.csr"
sign root "$OUT/root.cert.pem" "$OUT/root.key.pem" "$WORK/int.csr" \
  "$OUT/int.cert.pem" v3_int "$CA_START" "$CA_END" sha384

# Leaves signed by the intermediate.
# leaf NAME CURVE EXT START END
leaf() {
  gen_ec "$2" "$OUT/$1.key.pem"
  csr "$OUT/$1.key.pem" "/O=omsig test/CN=omsig test $1" "$WORK/$1.csr"
  sign int "$OUT/int.cert.pem" "$OUT/int.key.pem" "$WORK/$1.csr" \
    "$OUT/$1.cert.pem" "$3" "$4" "$5" sha256
}

leaf leaf-p256 P-256 v3_leaf "$LEAF_START" "$LEAF_END"
leaf leaf-p384 P-384 v3_leaf "$LEAF_START" "$LEAF_END"
leaf leaf-p521 P-521 v3_leaf "$LEAF_START" "$LEAF_END"
leaf leaf-expired P-256 v3_leaf "$EXPIRED_START" "$EXPIRED_END"
leaf leaf-nousage P-256 v3_nousage "$LEAF_START" "$LEAF_END"

# An unrelated root with its own leaf (signed directly by that root).
new_ca other
gen_ec P-256 "$OUT/other-root.key.pem"
csr "$OUT/other-root.key.pem" "/O=omsig other/CN=omsig other root CA" "$WORK/other-root.csr"
sign other - "$OUT/other-root.key.pem" "$WORK/other-root.csr" \
  "$OUT/other-root.cert.pem" v3_root "$CA_START" "$CA_END" sha256
gen_ec P-256 "$OUT/other-leaf.key.pem"
csr "$OUT/other-leaf.key.pem" "/O=omsig other/CN=omsig other leaf" "$WORK/other-leaf.csr"
sign other "$OUT/other-root.cert.pem" "$OUT/other-root.key.pem" \
  "$WORK/other-leaf.csr" "$OUT/other-leaf.cert.pem" v3_leaf \
  "$LEAF_START" "$LEAF_END" sha256

# Convenience bundles.
cp "$OUT/int.cert.pem" "$OUT/chain.pem"        # signer's --certificate_chain
cp "$OUT/root.cert.pem" "$OUT/trust-all.pem"   # verifier's --certificate_chain

# ---------------------------------------------------------------------------
# Self-check of the chains.

openssl verify -CAfile "$OUT/root.cert.pem" -untrusted "$OUT/int.cert.pem" \
  "$OUT/leaf-p256.cert.pem" "$OUT/leaf-p384.cert.pem" "$OUT/leaf-p521.cert.pem" \
  "$OUT/leaf-nousage.cert.pem" >/dev/null
openssl verify -CAfile "$OUT/root.cert.pem" -untrusted "$OUT/int.cert.pem" \
  -attime 1590969600 "$OUT/leaf-expired.cert.pem" >/dev/null
openssl verify -CAfile "$OUT/other-root.cert.pem" "$OUT/other-leaf.cert.pem" >/dev/null

echo "make_pki.sh: wrote keys and certificates to $(basename "$OUT")/"
