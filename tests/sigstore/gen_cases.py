#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# gen_cases.py - derives the sigstore test bundles in testdata/sigstore/ from the
# model-transparency sigstore vectors (one change each) and writes cases.tsv and README.md.
# With OUT_DIR, derives them from a tree in the vectors' layout that tests/sigstore/
# make_fixtures.c made (signed for IDENTITY and ISSUER) and writes the bundles and cases.tsv
# (bundles as $CASES/name.sig) to OUT_DIR instead.
# Python standard library only.
# Usage: tests/sigstore/gen_cases.py [SHARED_DIR [OUT_DIR IDENTITY ISSUER]]
import base64
import copy
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SHARED = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "..", "shared")
VECTORS = os.path.join(SHARED, "vectors", "model-transparency")
FIXTURES = len(sys.argv) > 2
OUT = sys.argv[2] if FIXTURES else os.path.join(ROOT, "testdata", "sigstore")
PREFIX = "$CASES" if FIXTURES else "testdata/sigstore"

IDENTITY = sys.argv[3] if FIXTURES else "stefanb@us.ibm.com"
ISSUER = sys.argv[4] if FIXTURES else "https://sigstore.verify.ibm.com/oauth2"


def load(version):
    with open(os.path.join(VECTORS, f"{version}-sigstore", "model.sig"), "rb") as f:
        return json.loads(f.read())


def b64d(s):
    return base64.b64decode(s, validate=True)


def b64e(b):
    return base64.b64encode(b).decode()


def flip_last(b):
    """Flips the lowest bit of the last byte: inside the s INTEGER of a DER ECDSA signature
    (or the last byte of a raw one), so the encoding stays valid and only the value breaks."""
    return b[:-1] + bytes([b[-1] ^ 1])


def entry(bundle):
    return bundle["verificationMaterial"]["tlogEntries"][0]


def der_len(buf, i):
    """DER length at buf[i]; returns (length, index of the first content byte)."""
    first = buf[i]
    if first < 0x80:
        return first, i + 1
    n = first & 0x7F
    return int.from_bytes(buf[i + 1:i + 1 + n], "big"), i + 1 + n


def flip_sct_signature(cert_der):
    """Flips the last byte of the embedded SCT list (the end of the one SCT's signature)."""
    oid = bytes.fromhex("060a2b06010401d679020402")  # 1.3.6.1.4.1.11129.2.4.2
    i = cert_der.index(oid) + len(oid)
    if cert_der[i] == 0x01:  # critical BOOLEAN
        i += 3
    assert cert_der[i] == 0x04, "extnValue OCTET STRING expected"
    length, start = der_len(cert_der, i + 1)
    end = start + length
    return cert_der[:end - 1] + bytes([cert_der[end - 1] ^ 1]) + cert_der[end:]


CASES = []  # (name, bundle file or None, source, trust, identity, issuer, expected, what)


def case(name, bundle, source, what, expected, trust="production", identity=IDENTITY,
         issuer=ISSUER):
    path = None
    if bundle is not None:
        path = f"{PREFIX}/{name}.sig"
        with open(os.path.join(OUT, f"{name}.sig"), "w", encoding="utf-8") as f:
            json.dump(bundle, f, separators=(",", ":"))
    else:
        path = f"$SHARED/vectors/model-transparency/{source}-sigstore/model.sig"
    CASES.append((name, path, source, trust, identity, issuer, expected, what))


def main():
    if not os.path.isdir(VECTORS):
        print(f"no vectors at {VECTORS}", file=sys.stderr)
        return 77
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".sig"):
            os.unlink(os.path.join(OUT, f))
    v100 = load("v1.0.0")  # Rekor inclusion promise, no RFC 3161 timestamp
    v110 = load("v1.1.0")  # promise and an RFC 3161 timestamp

    # ---- valid variants ---------------------------------------------------------------------
    b = copy.deepcopy(v110)
    del entry(b)["inclusionPromise"]
    case("valid-tsa-time-only", b, "v1.1.0",
         "inclusionPromise removed: the RFC 3161 timestamp is the only verified time", "OK")

    b = copy.deepcopy(v100)
    vm = b["verificationMaterial"]
    vm["x509CertificateChain"] = {"certificates": [vm.pop("certificate")]}
    b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.2"
    b["verificationMaterial"] = {"x509CertificateChain": vm["x509CertificateChain"],
                                 "tlogEntries": vm["tlogEntries"],
                                 "timestampVerificationData": vm["timestampVerificationData"]}
    case("valid-bundle-v0.2-chain", b, "v1.0.0",
         "media type ;version=0.2 with the leaf in x509CertificateChain", "OK")

    b = copy.deepcopy(v100)
    b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.3"
    case("valid-bundle-v0.3-alt", b, "v1.0.0", "media type ;version=0.3 (alternative form)",
         "OK")

    # ---- one check each -------------------------------------------------------------------
    b = copy.deepcopy(v100)
    p = entry(b)["inclusionPromise"]
    p["signedEntryTimestamp"] = b64e(flip_last(b64d(p["signedEntryTimestamp"])))
    case("set-bitflip", b, "v1.0.0", "one bit flipped in inclusionPromise.signedEntryTimestamp",
         "invalid log entry: SET: invalid inclusion promise: keyring: invalid signature")

    b = copy.deepcopy(v100)
    pr = entry(b)["inclusionProof"]
    h0 = b64d(pr["hashes"][0])
    pr["hashes"][0] = b64e(bytes([h0[0] ^ 1]) + h0[1:])
    case("proof-hash-bitflip", b, "v1.0.0", "one bit flipped in inclusionProof.hashes[0]",
         "invalid log entry: inclusion proof contains invalid root hash")

    b = copy.deepcopy(v100)
    cp = entry(b)["inclusionProof"]["checkpoint"]
    text, sigline = cp["envelope"].rstrip("\n").rsplit("\n", 1)
    dash, name, sig = sigline.split(" ")
    cp["envelope"] = f"{text}\n{dash} {name} {b64e(flip_last(b64d(sig)))}\n"
    case("checkpoint-sig-bitflip", b, "v1.0.0",
         "one bit flipped in the checkpoint's note signature",
         "invalid log entry: checkpoint: invalid signature: keyring: invalid signature")

    b = copy.deepcopy(v100)
    c = b["verificationMaterial"]["certificate"]
    c["rawBytes"] = b64e(flip_sct_signature(b64d(c["rawBytes"])))
    case("sct-bitflip", b, "v1.0.0",
         "one bit flipped in the embedded SCT's signature; the SCT is inside the signed "
         "certificate, so Fulcio's signature breaks too and the chain check (step 1) fires "
         "before the SCT check (step 2)",
         "failed to build timestamp certificate chain: certificate signature failure")

    b = copy.deepcopy(v110)
    del entry(b)["inclusionPromise"]
    ts = b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
    ts["signedTimestamp"] = b64e(flip_last(b64d(ts["signedTimestamp"])))
    case("tsa-bitflip", b, "v1.1.0",
         "one bit flipped in the TSA's CMS signature, inclusionPromise removed (with the "
         "promise the integrated time alone suffices and the reference accepts the bundle)",
         "not enough sources of verified time")

    b = copy.deepcopy(v110)
    ts = b["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"][0]
    ts["signedTimestamp"] = b64e(flip_last(b64d(ts["signedTimestamp"])))
    case("tsa-bitflip-with-promise", b, "v1.1.0",
         "as tsa-bitflip but the promise kept: a timestamp that does not verify is skipped",
         "OK")

    b = copy.deepcopy(v100)
    e = entry(b)
    body = json.loads(b64d(e["canonicalizedBody"]))
    ph = body["spec"]["payloadHash"]
    ph["value"] = hashlib.sha256(b"not the payload").hexdigest()
    e["canonicalizedBody"] = b64e(json.dumps(body, separators=(",", ":")).encode())
    case("body-payload-hash", b, "v1.0.0",
         "canonicalizedBody's spec.payloadHash changed; the body is the Merkle leaf, so the "
         "inclusion proof (step 4) fails before the body comparison (step 8); the unit test "
         "calls the step-8 check on this body directly",
         "invalid log entry: inclusion proof contains invalid root hash")

    case("wrong-identity", None, "v1.0.0", "--identity someone@example.com",
         "Certificate's SANs do not match someone@example.com; actual SANs: "
         f"{{'{IDENTITY}'}}", identity="someone@example.com")
    case("wrong-issuer", None, "v1.0.0", "--identity_provider https://accounts.google.com",
         f"Certificate's OIDCIssuer does not match (got '{ISSUER}', "
         "expected 'https://accounts.google.com')", issuer="https://accounts.google.com")
    case("staging-root", None, "v1.0.0", "the staging trusted root instead of production",
         "failed to build timestamp certificate chain: unable to get local issuer certificate",
         trust="staging")

    # ---- further shape and signature cases -----------------------------------------------------
    b = copy.deepcopy(v100)
    b["verificationMaterial"]["tlogEntries"].append(copy.deepcopy(entry(b)))
    case("two-tlog-entries", b, "v1.0.0", "the tlog entry twice",
         "expected exactly one log entry in bundle")

    b = copy.deepcopy(v100)
    del entry(b)["inclusionProof"]["checkpoint"]
    case("no-checkpoint", b, "v1.0.0", "inclusionProof.checkpoint removed",
         "entry must contain inclusion proof, with checkpoint")

    b = copy.deepcopy(v100)
    del entry(b)["inclusionPromise"]
    case("no-promise-no-timestamp", b, "v1.0.0",
         "inclusionPromise removed, no RFC 3161 timestamp",
         "bundle must contain an inclusion promise or signed timestamp(s)")

    b = copy.deepcopy(v100)
    entry(b)["kindVersion"]["version"] = "0.0.3"
    case("entry-version-0.0.3", b, "v1.0.0", "kindVersion.version 0.0.3",
         "Expected log entry version 0.0.1 - 0.0.2, got 0.0.3")

    b = copy.deepcopy(v100)
    entry(b)["kindVersion"]["kind"] = "intoto"
    case("entry-kind-intoto", b, "v1.0.0", "kindVersion.kind intoto (with a promise)",
         "Integrated time only supported for dsse/hashedrekord 0.0.1 types")

    b = copy.deepcopy(v100)
    b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=0.4"
    case("media-type-unknown", b, "v1.0.0", "mediaType ;version=0.4",
         "unsupported bundle format: application/vnd.dev.sigstore.bundle+json;version=0.4")

    b = copy.deepcopy(v100)
    s = b["dsseEnvelope"]["signatures"][0]
    s["sig"] = b64e(flip_last(b64d(s["sig"])))
    case("dsse-sig-bitflip", b, "v1.0.0", "one bit flipped in the DSSE signature",
         "DSSE: invalid signature")

    b = copy.deepcopy(v100)
    payload = json.loads(b64d(b["dsseEnvelope"]["payload"]))
    payload["subject"][0]["name"] = "tampered"
    b["dsseEnvelope"]["payload"] = b64e(json.dumps(payload).encode())
    case("payload-changed", b, "v1.0.0", "the statement's subject name changed",
         "DSSE: invalid signature")

    with open(os.path.join(OUT, "cases.tsv"), "w", encoding="utf-8") as f:
        f.write("# name\tbundle\ttrust\tidentity\tissuer\texpected (substring, or OK)\n")
        for name, path, _src, trust, ident, iss, exp, _what in CASES:
            f.write(f"{name}\t{path}\t{trust}\t{ident}\t{iss}\t{exp}\n")
    if FIXTURES:
        print(f"wrote {len(CASES)} cases to {OUT}")
        return 0

    with open(os.path.join(OUT, "README.md"), "w", encoding="utf-8") as f:
        f.write(README_HEAD)
        for name, path, src, trust, ident, iss, exp, what in CASES:
            file = f"`{name}.sig`" if not path.startswith("$SHARED") else f"{src} vector"
            f.write(f"| `{name}` | {file} | {what} | {trust} | `{exp}` |\n")
        f.write(README_TAIL)
    print(f"wrote {len(CASES)} cases to {OUT}")
    return 0


README_HEAD = """# Sigstore method test bundles

Generated by `tests/sigstore/gen_cases.py` from the model-transparency sigstore vectors
(`../shared/vectors/model-transparency/v1.0.0-sigstore/model.sig` and `v1.1.0-sigstore`,
Apache-2.0, sigstore/model-transparency `scripts/tests/`).  Each bundle differs from its vector
by the one change listed.  Do not edit by hand; regenerate with

    python3 tests/sigstore/gen_cases.py [../shared]

`cases.tsv` drives `tests/sigstore/test_sigstore.c`: name, bundle (`$SHARED` = the shared
folder), trust root (`production`/`staging` = `../shared/vectors/sigstore/trusted_root.*.json`,
read in place and never copied here), identity, issuer, and the message the check must
contain (`OK` = it must verify).  All use identity `stefanb@us.ibm.com` and issuer
`https://sigstore.verify.ibm.com/oauth2` unless the case changes them; the model
is not involved (only the signature check runs).

| case | bundle | change | trust root | expected |
|---|---|---|---|---|
"""

README_TAIL = """
Cases the test builds at run time instead (trust roots are derived in a temp dir from
`../shared`, never stored here):
- `client-trust-config`: the production root wrapped in a ClientTrustConfig: verifies;
- `sct-wrong-ct-keys`: production with the staging `ctlogs`: the chain verifies, the SCT does
  not (`failed to verify SCT on signing certificate: SCT verify failed: keyring: invalid
  signature`);
- `checkpoint-wrong-rekor-key`: production with the staging `tlogs`
  (`invalid log entry: checkpoint: invalid signature: keyring: invalid signature`);
- `timestamp-without-tsa`: production without `timestampAuthorities` on
  `valid-tsa-time-only.sig` (`no Timestamp Authorities have been provided ...`);
- `trust-root-media-type`, `no-trust-config`: an unsupported trusted root, no `--trust_config`;
- single steps: the SCT check on `sct-bitflip`'s certificate with the original's chain (the
  SCT message above); the step-8 body check on `body-payload-hash`'s body
  (`log entry payload hash does not match bundle`), on a body with another signature
  (`log entry signatures do not match bundle`), on an unsupported kind, and on a Rekor v2
  `hashedrekord` 0.0.2 body built from the vector (verifies; with another digest:
  `transparency log entry is inconsistent with other materials`).

The same cases, and these checks, also run on the project's own Sigstore instance, without
`../shared`: `tests/sigstore/run_fixtures.sh` (the `sigstore_fixtures` test) has
`tests/sigstore/make_fixtures.c` make a trust root and bundles in the vectors' layout, derives
the cases from them with `gen_cases.py SHARED_DIR OUT_DIR IDENTITY ISSUER` into a temporary
folder, and runs `test_sigstore` on them (nothing of it is stored here).

`tests/sigstore/reference_messages.sh` runs the reference (model_signing 1.1.1 with
sigstore-python 4.5.1 from `tests/.venv`) on every case.  It agrees on every verdict, with the
same message except where the text comes from the X.509 library (`sct-bitflip`,
`staging-root`: cryptography says `validation failed: candidates exhausted: signature does not
match`), for the inclusion-proof cases (the reference prints the whole proof object), and for
`media-type-unknown` (the reference fails in its JSON model first).
"""

if __name__ == "__main__":
    sys.exit(main())
