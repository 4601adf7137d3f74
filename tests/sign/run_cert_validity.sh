#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Certificate validity (OMS spec v1.0 section 8.2) and the certificate method's trust store:
# chains generated here with dates around the current time, signed and verified under the
# default (--verify-time now) and --verify-time signing (model_signing 1.1.1's rule: the chain
# at the leaf's notBefore); sign refusing a leaf that is expired or not yet valid; the messages
# for a trust anchor not reached; trust files with a block that does not decode; the 64
# certificates a bundle may hold; the store used without --certificate_chain.
# Bundles whose leaf is not valid now are signed with OMSIG_TEST_NOW (a test hook) set inside
# the leaf's validity period.
set -u
OMSIG=$(realpath "$1")
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=../lib.sh
. tests/lib.sh
need_feature test-hooks # OMSIG_TEST_NOW, OMSIG_MOZILLA_CA_DIR
command -v openssl >/dev/null || { echo "SKIP: openssl not found"; exit 77; }

NOW=$(date -u +%s)
DAY=86400
YEAR=$((365 * DAY))
stamp() { date -u -d "@$1" +%Y%m%d%H%M%SZ; } # stamp EPOCH: openssl ca's date form

W=$tmp/pki
mkdir -p "$W"
cat >"$W/ext.cnf" <<'CNF'
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF

# cert NAME ISSUER|- EXT FROM TO: NAME.key.pem and NAME.cert.pem (CN=NAME), valid FROM..TO
# (epoch seconds), issued by ISSUER ("-": self-signed).
cert() {
    local name=$1 issuer=$2 ext=$3 from=$4 to=$5 d=$W/ca-$1
    mkdir -p "$d/new"
    : >"$d/index.txt"
    cat >"$d/ca.cnf" <<CNF
[ ca ]
default_ca = c
[ c ]
database = $d/index.txt
new_certs_dir = $d/new
rand_serial = yes
default_md = sha256
policy = p
unique_subject = no
copy_extensions = none
[ p ]
commonName = supplied
CNF
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$W/$name.key.pem" 2>/dev/null
    openssl req -new -key "$W/$name.key.pem" -subj "/CN=$name" -out "$W/$name.csr" 2>/dev/null
    local how=(-selfsign -keyfile "$W/$name.key.pem")
    [ "$issuer" = - ] || how=(-cert "$W/$issuer.cert.pem" -keyfile "$W/$issuer.key.pem")
    openssl ca -batch -notext -config "$d/ca.cnf" "${how[@]}" -in "$W/$name.csr" \
        -out "$W/$name.cert.pem" -extfile "$W/ext.cnf" -extensions "$ext" \
        -startdate "$(stamp "$from")" -enddate "$(stamp "$to")" >"$d/log" 2>&1 ||
        { cat "$d/log" >&2; echo "FAIL: cannot make the test certificate $name"; exit 1; }
}

PAST=$((NOW - 10 * YEAR)) FAR=$((NOW + 10 * YEAR))
cert root - v3_ca $PAST $FAR
cert int root v3_ca $PAST $FAR
cert other-root - v3_ca $PAST $FAR
cert root-expired - v3_ca $PAST $((NOW - YEAR))
cert int-under-expired-root root-expired v3_ca $PAST $FAR
cert int-expired-under-expired-root root-expired v3_ca $PAST $((NOW - YEAR))
cert int-expired root v3_ca $PAST $((NOW - YEAR))
cert int-future root v3_ca $((NOW + 30 * DAY)) $FAR
cert int-gone root v3_ca $PAST $((NOW - 5 * YEAR))
cert leaf-valid int v3_leaf $((NOW - DAY)) $FAR
cert leaf-expired int v3_leaf $((NOW - 3 * YEAR)) $((NOW - YEAR))
cert leaf-future int v3_leaf $((NOW + 30 * DAY)) $FAR
cert leaf-under-int-expired int-expired v3_leaf $((NOW - 3 * YEAR)) $FAR
cert leaf-under-int-future int-future v3_leaf $((NOW - DAY)) $FAR
cert leaf-under-root-expired int-under-expired-root v3_leaf $((NOW - 3 * YEAR)) $FAR
cert leaf-all-expired int-expired-under-expired-root v3_leaf $((NOW - 3 * YEAR)) $((NOW - 2 * YEAR))
cert leaf-after-int-gone int-gone v3_leaf $((NOW - DAY)) $FAR
cert leaf-other other-root v3_leaf $((NOW - DAY)) $FAR

M=$tmp/model
mkdir -p "$M"
printf 'weights\n' >"$M/weights.bin"
printf 'config' >"$M/config.json"

# signed LEAF INTERMEDIATE [SIGNING_TIME]: a bundle $tmp/LEAF.sig with the chain leaf,
# intermediate; signed at SIGNING_TIME (OMSIG_TEST_NOW) where the leaf is not valid now.
signed() {
    local leaf=$1 int=$2 at=${3:-}
    if ! env ${at:+OMSIG_TEST_NOW=$at} "$OMSIG" sign certificate "$M" --signature "$tmp/$leaf.sig" \
        --private_key "$W/$leaf.key.pem" --signing_certificate "$W/$leaf.cert.pem" \
        --certificate_chain "$W/$int.cert.pem" >"$tmp/sign.log" 2>&1; then
        echo "FAIL: cannot sign with $leaf: $(cat "$tmp/sign.log")"
        exit 1
    fi
}
signed leaf-valid int
signed leaf-expired int $((NOW - 2 * YEAR))
signed leaf-future int $((NOW + 60 * DAY))
signed leaf-under-int-expired int-expired
signed leaf-under-int-future int-future
signed leaf-under-root-expired int-under-expired-root
signed leaf-all-expired int-expired-under-expired-root $((NOW - 5 * YEAR / 2))
signed leaf-after-int-gone int-gone
signed leaf-other other-root

# case NAME LEAF ROOT NOW_EXIT NOW_PATTERN SIGNING_EXIT SIGNING_PATTERN
verify_both() {
    local name=$1 leaf=$2 root=$3
    run "$name (now)" "$4" "$5" "$OMSIG" verify certificate "$M" --signature "$tmp/$leaf.sig" \
        --certificate_chain "$W/$root.cert.pem"
    run "$name (--verify-time signing)" "$6" "$7" "$OMSIG" verify certificate "$M" \
        --signature "$tmp/$leaf.sig" --certificate_chain "$W/$root.cert.pem" --verify-time signing
}
OKV='^Verification succeeded$'
DATE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'
EXP="certificate has expired: the"
NYV="certificate is not yet valid: the"
AT_NOW="; the chain was checked at $DATE \\(now;"
AT_SIGNING="; the chain was checked at $DATE \\(the signing certificate's notBefore, --verify-time signing\\)"
verify_both "valid chain" leaf-valid root 0 "$OKV" 0 "$OKV"
verify_both "expired leaf" leaf-expired root \
    1 "$EXP signing certificate 'CN=leaf-expired' is valid from $DATE to $DATE$AT_NOW" 0 "$OKV"
verify_both "not-yet-valid leaf" leaf-future root \
    1 "$NYV signing certificate 'CN=leaf-future' is valid from $DATE to $DATE$AT_NOW" 0 "$OKV"
verify_both "expired intermediate" leaf-under-int-expired root \
    1 "$EXP intermediate certificate 'CN=int-expired' is valid from $DATE to $DATE$AT_NOW" 0 "$OKV"
verify_both "not-yet-valid intermediate" leaf-under-int-future root \
    1 "$NYV intermediate certificate 'CN=int-future'.*$AT_NOW" \
    1 "$NYV intermediate certificate 'CN=int-future'.*$AT_SIGNING"
verify_both "expired root" leaf-under-root-expired root-expired \
    1 "$EXP root certificate 'CN=root-expired' is valid from $DATE to $DATE$AT_NOW" 0 "$OKV"
verify_both "every certificate expired" leaf-all-expired root-expired \
    1 "$EXP (root|intermediate|signing) certificate 'CN=[a-z-]*expired[a-z-]*'.*$AT_NOW" 0 "$OKV"
verify_both "intermediate expired before the leaf was issued" leaf-after-int-gone root \
    1 "$EXP intermediate certificate 'CN=int-gone'.*$AT_NOW" \
    1 "$EXP intermediate certificate 'CN=int-gone'.*$AT_SIGNING"
# the time checked is the one said: the leaf's notBefore under --verify-time signing
nb=$(openssl x509 -in "$W/leaf-after-int-gone.cert.pem" -noout -startdate | cut -d= -f2)
run "signing time is the leaf's notBefore" 1 "checked at $(date -u -d "$nb" +%Y-%m-%dT%H:%M:%SZ) " \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-after-int-gone.sig" \
    --certificate_chain "$W/root.cert.pem" --verify-time signing
run "--verify-time with a wrong word" 2 "Invalid value for '--verify-time': 'later' is not 'now' or 'signing'" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" \
    --certificate_chain "$W/root.cert.pem" --verify-time later

# sign: the leaf must be within its validity period now
sign_with() { # sign_with LEAF INT: signs $M into $tmp/refused.sig
    "$OMSIG" sign certificate "$M" --signature "$tmp/refused.sig" --private_key "$W/$1.key.pem" \
        --signing_certificate "$W/$1.cert.pem" --certificate_chain "$W/$2.cert.pem"
}
run "sign refuses an expired leaf" 1 \
    "The signing certificate has expired: 'CN=leaf-expired' is valid from $DATE to $DATE, and the time now is $DATE" \
    sign_with leaf-expired int
run "sign refuses a not-yet-valid leaf" 1 \
    "The signing certificate is not yet valid: 'CN=leaf-future' is valid from $DATE to $DATE, and the time now is $DATE" \
    sign_with leaf-future int
[ ! -e "$tmp/refused.sig" ] && ok "nothing written for a refused leaf" || bad "a bundle was written for a refused leaf"

# the trust anchor not reached: where the chain ends, which roots were given
run "wrong root named" 1 "^Verification failed with error: unable to get local issuer certificate: the signature's certificate chain ends at 'CN=root', which is not among the trusted roots given with --certificate_chain \\('CN=other-root'\\)$" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/other-root.cert.pem"
cat "$W/int.cert.pem" "$W/root-expired.cert.pem" >"$W/two.pem"
run "bundle's own root, two roots given" 1 "^Verification failed with error: self-signed certificate in certificate chain: the signature's certificate chain ends at 'CN=other-root', which is not among the trusted roots given with --certificate_chain \\('CN=int', 'CN=root-expired'\\)$" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-other.sig" --certificate_chain "$W/two.pem"
mkdir -p "$tmp/mozilla"
cp "$W/other-root.cert.pem" "$tmp/mozilla/Other_Root.crt"
cp "$W/int.cert.pem" "$tmp/mozilla/not-a-crt.pem"
run "no --certificate_chain: the store named" 1 "unable to get local issuer certificate: the signature's certificate chain ends at 'CN=root', which is not among the trusted roots of the Mozilla CA set in $tmp/mozilla \\(1 certificate\\) \\(no --certificate_chain was given" \
    env OMSIG_MOZILLA_CA_DIR="$tmp/mozilla" "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig"
run "no --certificate_chain: the warning" 1 "^No --certificate_chain was given: trusting the Mozilla CA set in $tmp/mozilla \\(1 certificate\\)" \
    env OMSIG_MOZILLA_CA_DIR="$tmp/mozilla" "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig"
cp "$W/root.cert.pem" "$tmp/mozilla/Test_Root.crt"
run "no --certificate_chain: the Mozilla set trusted" 0 "$OKV" \
    env OMSIG_MOZILLA_CA_DIR="$tmp/mozilla" "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig"
run "no --certificate_chain: the store in --json" 0 '"trust_root_source":[[:space:]]*"mozilla"' \
    env OMSIG_MOZILLA_CA_DIR="$tmp/mozilla" "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --json
run "no --certificate_chain: the warning in --json" 0 '"warnings":[[:space:]]*\["No --certificate_chain was given' \
    env OMSIG_MOZILLA_CA_DIR="$tmp/mozilla" "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --json
run "no --certificate_chain: the store at DEBUG" 0 "^debug: trust root: mozilla, the Mozilla CA set in $tmp/mozilla \\(2 certificates\\)$" \
    env OMSIG_MOZILLA_CA_DIR="$tmp/mozilla" "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --log-level debug
# the machine's own CAs (SSL_CERT_FILE) are not the Mozilla set: not trusted
mkdir -p "$tmp/mozilla-other" && cp "$W/other-root.cert.pem" "$tmp/mozilla-other/Other_Root.crt"
run "no --certificate_chain: SSL_CERT_FILE not followed" 1 "ends at 'CN=root'" \
    env OMSIG_MOZILLA_CA_DIR="$tmp/mozilla-other" SSL_CERT_FILE="$W/root.cert.pem" \
    SSL_CERT_DIR="$tmp/none" "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig"
run "no Mozilla set on the system: OpenSSL's store named" 1 "trusting OpenSSL's default CA store \\($tmp/none.pem and $tmp/none; this system has no Mozilla CA set in $tmp/absent\\)" \
    env OMSIG_MOZILLA_CA_DIR="$tmp/absent" SSL_CERT_FILE="$tmp/none.pem" SSL_CERT_DIR="$tmp/none" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --json
run "with --certificate_chain: the roots in --json" 0 "\"trust_root\":[[:space:]]*\"1 certificate given with --certificate_chain: 'CN=root'\"" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/root.cert.pem" --json

# trust files: a block that does not decode refuses the file, naming the block
{
    cat "$W/root.cert.pem"
    echo "text between blocks is skipped"
    echo "-----BEGIN CERTIFICATE-----"
    echo "this is not base64!"
    echo "-----END CERTIFICATE-----"
    cat "$W/other-root.cert.pem"
} >"$W/bad-b64.pem"
line=$(grep -n 'this is not base64' "$W/bad-b64.pem" | cut -d: -f1)
run "trust file with a block that is not base64" 1 "Cannot read the certificate file '$W/bad-b64.pem': its PEM block 2 \\(line $((line - 1))\\) does not decode: its base64 does not decode; the file is refused" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/bad-b64.pem"
{
    cat "$W/other-root.cert.pem" "$W/root.cert.pem"
    echo "-----BEGIN CERTIFICATE-----"
    printf 'not a certificate at all' | base64
    echo "-----END CERTIFICATE-----"
} >"$W/bad-der.pem"
run "trust file with a block that is not a certificate" 1 "its PEM block 3 \\(line [0-9]+\\) does not decode: its content is not a DER X.509 certificate" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/bad-der.pem"
head -n 4 "$W/other-root.cert.pem" | cat "$W/root.cert.pem" - >"$W/truncated.pem"
run "trust file with a truncated block" 1 "its PEM block 2 \\(line [0-9]+, '-----BEGIN CERTIFICATE-----'\\) has no matching END line" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/truncated.pem"
{ cat "$W/root.cert.pem"; cat "$W/leaf-valid.key.pem"; } >"$W/with-key.pem"
run "trust file with a key block beside the certificate" 0 "$OKV" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/with-key.pem"
run "sign refuses a chain file with a bad block" 1 "Cannot read the certificate file '$W/bad-der.pem': its PEM block 3" \
    "$OMSIG" sign certificate "$M" --signature "$tmp/refused.sig" --private_key "$W/leaf-valid.key.pem" \
    --signing_certificate "$W/leaf-valid.cert.pem" --certificate_chain "$W/bad-der.pem"
# over 16 MiB (the reference reads any size): read; over 256 MiB: refused with the limit
{ cat "$W/root.cert.pem"; head -c $((17 << 20)) /dev/zero | tr '\0' 'x'; echo; } >"$W/big.pem"
run "17 MiB trust file" 0 "$OKV" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/big.pem"
cp "$W/root.cert.pem" "$W/huge.pem" && truncate -s 257M "$W/huge.pem"
run "257 MiB trust file refused with the limit" 1 "Cannot read the certificate file '$W/huge.pem': it is larger than 256 MiB" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/leaf-valid.sig" --certificate_chain "$W/huge.pem"

# a bundle holds at most 64 certificates: sign refuses what verify would refuse
for _ in $(seq 63); do cat "$W/int.cert.pem"; done >"$W/chain63.pem"
cat "$W/chain63.pem" "$W/int.cert.pem" >"$W/chain64.pem"
sign64() { # sign64 CHAIN OUT
    "$OMSIG" sign certificate "$M" --signature "$2" --private_key "$W/leaf-valid.key.pem" \
        --signing_certificate "$W/leaf-valid.cert.pem" --certificate_chain "$1"
}
run "64 certificates signed" 0 "" sign64 "$W/chain63.pem" "$tmp/c64.sig"
run "64 certificates verified" 0 "$OKV" \
    "$OMSIG" verify certificate "$M" --signature "$tmp/c64.sig" --certificate_chain "$W/root.cert.pem"
run "65 certificates refused by sign" 1 "The certificate chain holds 65 certificates .*; a bundle may hold at most 64" \
    sign64 "$W/chain64.pem" "$tmp/c65.sig"
[ ! -e "$tmp/c65.sig" ] && ok "nothing written for 65 certificates" || bad "a bundle was written for 65 certificates"

summary
