#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# Generates the hostile OMS signature-bundle corpus in testdata/hostile/ (the key,
# a tiny model, valid bundles, cases/*.json and cases.tsv) for tests/hostile/run_hostile.sh.
"""Hostile bundle generator.

Only the Python standard library and the `openssl` command line tool are used.
Output is deterministic except for ECDSA signatures (randomised by nature) and
the throw-away "other" key of the wrong-key case.  The signing key is created
once and reused on later runs.

cases.tsv columns (tab separated, '#' lines are comments):
  file  expected  description  extra-args
`expected` is matched case-insensitively against the error message; several
alternatives may be given separated by '|' (any one of them is enough).
"""

import base64
import copy
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
MODEL = HERE / "model"
CASES = HERE / "cases"
KEY = HERE / "key.pem"
PUB = HERE / "key.pub.pem"
SECRET = HERE / "outside-secret.txt"

MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
IGNORE_PATHS = [".git", ".gitattributes", ".github", ".gitignore"]
SHARD_SIZE = 8

MODEL_FILES = {
    "weights.bin": b"hostile model weights\n",
    "config.json": b"{}\n",
    "sub/tokenizer.txt": b"tok\n",
}
SECRET_BYTES = b"TOP SECRET: outside the model; a verifier must never open this file\n"

TRAVERSAL_FLAG = "--ignore_unsigned_files"


# --------------------------------------------------------------------------
# helpers


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def b64(data):
    return base64.b64encode(data).decode("ascii")


def pae(payload, payload_type=PAYLOAD_TYPE):
    pt = payload_type.encode("utf-8")
    return (b"DSSEv1 " + str(len(pt)).encode() + b" " + pt + b" "
            + str(len(payload)).encode() + b" " + payload)


def sign_bytes(data, key=KEY):
    with tempfile.TemporaryDirectory() as tmp:
        msg = pathlib.Path(tmp) / "msg.bin"
        sig = pathlib.Path(tmp) / "sig.der"
        msg.write_bytes(data)
        openssl("dgst", "-sha256", "-sign", str(key), "-out", str(sig), str(msg))
        return sig.read_bytes()


def verify_bytes(data, sig, pub=PUB):
    with tempfile.TemporaryDirectory() as tmp:
        msg = pathlib.Path(tmp) / "msg.bin"
        sigf = pathlib.Path(tmp) / "sig.der"
        msg.write_bytes(data)
        sigf.write_bytes(sig)
        res = subprocess.run(
            ["openssl", "dgst", "-sha256", "-verify", str(pub), "-signature",
             str(sigf), str(msg)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return res.returncode == 0


def jdump(obj, subs=None):
    """Compact JSON bytes; each '"@@X@@"' string in subs is replaced verbatim."""
    text = json.dumps(obj, separators=(",", ":")).encode("ascii")
    for marker, raw in (subs or {}).items():
        quoted = json.dumps(marker).encode("ascii")
        assert text.count(quoted) == 1, marker
        text = text.replace(quoted, raw)
    return text


def ensure_key():
    if not KEY.exists():
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", str(KEY))
    if not PUB.exists():
        openssl("pkey", "-in", str(KEY), "-pubout", "-out", str(PUB))


def write_model():
    for name, data in MODEL_FILES.items():
        path = MODEL / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    SECRET.write_bytes(SECRET_BYTES)


# --------------------------------------------------------------------------
# statements


def res(name, digest, algorithm="sha256"):
    return {"name": name, "algorithm": algorithm, "digest": digest}


def file_resources(hash_fn=hashlib.sha256, algorithm="sha256"):
    return [res(n, hash_fn(MODEL_FILES[n]).hexdigest(), algorithm)
            for n in sorted(MODEL_FILES)]


def shard_resources(size=SHARD_SIZE):
    out = []
    for n in sorted(MODEL_FILES):
        data = MODEL_FILES[n]
        for start in range(0, len(data), size):
            end = min(start + size, len(data))
            out.append(res(f"{n}:{start}:{end}", sha256(data[start:end]),
                           f"sha256-sharded-{size}"))
    return out


def root_of(resources):
    h = hashlib.sha256()
    for r in resources:
        h.update(bytes.fromhex(r["digest"]))
    return h.hexdigest()


def statement(resources, method="files", hash_type="sha256", shard_size=None,
              root=None):
    ser = {"method": method, "hash_type": hash_type}
    if shard_size is not None:
        ser["shard_size"] = shard_size
    ser["allow_symlinks"] = False
    ser["ignore_paths"] = list(IGNORE_PATHS)
    if root is None:
        root = root_of(resources)
    return {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": "model", "digest": {"sha256": root}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {"serialization": ser, "resources": resources},
    }


def files_statement():
    return statement(file_resources())


def shards_statement(shard_size=SHARD_SIZE, resources=None):
    if resources is None:
        resources = shard_resources()
    return statement(resources, method="shards", shard_size=shard_size)


# --------------------------------------------------------------------------
# bundles

HINT = None  # set in main()


def bundle(payload, sig=None, hint=None, payload_type=PAYLOAD_TYPE):
    """A bundle dict; sig=None signs payload correctly with the test key."""
    if sig is None:
        sig = sign_bytes(pae(payload))
    return {
        "mediaType": MEDIA_TYPE,
        "verificationMaterial": {
            "publicKey": {"hint": HINT if hint is None else hint},
            "tlogEntries": [],
        },
        "dsseEnvelope": {
            "payload": b64(payload),
            "payloadType": payload_type,
            "signatures": [{"sig": b64(sig), "keyid": ""}],
        },
    }


class Corpus:
    def __init__(self):
        self.rows = []
        self.n = 0
        self.names = set()

    def add(self, slug, expected, description, content, extra=None):
        """content: bytes, or a dict (dumped as compact JSON)."""
        self.n += 1
        fname = f"{self.n:02d}-{slug}.json"
        assert fname not in self.names
        # The strace check greps for these words; case file names must not contain them.
        assert "outside-secret" not in fname and "passwd" not in fname
        self.names.add(fname)
        if isinstance(content, dict):
            content = jdump(content)
        (CASES / fname).write_bytes(content)
        for e in ([None] if extra is None else [None, extra]):
            self.rows.append((fname, expected, description, e or ""))
        return fname

    def signed(self, slug, expected, description, stmt, extra=None, subs=None):
        """A correctly signed bundle whose statement is the hostile part."""
        payload = stmt if isinstance(stmt, bytes) else jdump(stmt, subs)
        return self.add(slug, expected, description, bundle(payload), extra)


def main():
    global HINT
    os.chdir(HERE)
    ensure_key()
    write_model()
    HINT = sha256(PUB.read_bytes())
    CASES.mkdir(exist_ok=True)
    for old in CASES.glob("*.json"):
        old.unlink()

    # --- valid bundles (positive controls) ---------------------------------
    good_payload = jdump(files_statement())
    good = bundle(good_payload)
    good_bytes = jdump(good)
    (HERE / "valid.json").write_bytes(good_bytes)
    (HERE / "valid-shards.json").write_bytes(jdump(bundle(jdump(shards_statement()))))
    b2 = statement(file_resources(lambda d: hashlib.blake2b(d), "blake2b"),
                   hash_type="blake2b")
    (HERE / "valid-blake2b.json").write_bytes(jdump(bundle(jdump(b2))))

    c = Corpus()

    def mutated(fn):
        b = copy.deepcopy(good)
        fn(b)
        return b

    env = lambda b: b["dsseEnvelope"]  # noqa: E731

    # --- raw JSON / encoding level ------------------------------------------
    c.add("empty-file", "json|empty", "zero-byte signature file", b"")
    c.add("whitespace-only", "json|empty", "only whitespace", b" \n\t\r\n   \n")
    c.add("truncated", "json", "valid bundle cut in half",
          good_bytes[: len(good_bytes) // 2])
    c.add("trailing-garbage", "json|trailing",
          "valid bundle followed by extra text", good_bytes + b"\nGARBAGE{}")
    c.add("top-array", "object", "top level is an array (holding a valid bundle)",
          b"[" + good_bytes + b"]")
    c.add("top-string", "object", "top level is a string", b'"bundle"')
    c.add("top-number", "object", "top level is a number", b"42")
    c.add("top-null", "object", "top level is null", b"null")
    c.add("invalid-utf8", "utf",
          "raw 0xff 0xfe bytes inside the mediaType string",
          good_bytes.replace(MEDIA_TYPE.encode(),
                             MEDIA_TYPE.encode() + b"\xff\xfe", 1))
    c.add("duplicate-top-key", "duplicate",
          "mediaType key twice (valid first, bogus second)",
          good_bytes.replace(b'"mediaType":' + json.dumps(MEDIA_TYPE).encode(),
                             b'"mediaType":' + json.dumps(MEDIA_TYPE).encode()
                             + b',"mediaType":"application/evil"', 1))
    depth = 100000
    c.add("nesting-100000", "depth|nest|deep",
          "mediaType value nested 100000 arrays deep",
          jdump(mutated(lambda b: b.update(mediaType="@@N@@")),
                {"@@N@@": b"[" * depth + b"]" * depth}))
    c.add("huge-payloadtype", "Expected DSSE payload",
          "10 MiB payloadType string",
          mutated(lambda b: env(b).update(payloadType="A" * (10 * 1024 * 1024))))

    # --- wrong JSON types ----------------------------------------------------
    c.add("mediatype-number", "mediaType", "mediaType is a number",
          mutated(lambda b: b.update(mediaType=3)))
    c.add("verificationmaterial-string", "verificationMaterial",
          "verificationMaterial is a string",
          mutated(lambda b: b.update(verificationMaterial="key")))
    c.add("dsseenvelope-array", "dsseEnvelope", "dsseEnvelope is an array",
          mutated(lambda b: b.update(dsseEnvelope=[env(b)])))
    c.add("payload-number", "payload", "payload is a number",
          mutated(lambda b: env(b).update(payload=12345)))
    c.add("payloadtype-object", "payloadType|payload type", "payloadType is an object",
          mutated(lambda b: env(b).update(payloadType={"type": PAYLOAD_TYPE})))
    c.add("signatures-object", "signatures",
          "signatures is an object, not a list",
          mutated(lambda b: env(b).update(signatures=env(b)["signatures"][0])))
    c.add("sig-number", "sig", "signatures[0].sig is a number",
          mutated(lambda b: env(b)["signatures"][0].update(sig=42)))
    c.add("hint-bool", "hint", "publicKey.hint is a boolean",
          mutated(lambda b: b["verificationMaterial"]["publicKey"].update(hint=True)))

    # --- missing / wrong top-level keys ---------------------------------------
    for key in ("mediaType", "verificationMaterial", "dsseEnvelope"):
        c.add(f"missing-{key.lower()}", key, f"top-level key {key} absent",
              mutated(lambda b, k=key: b.pop(k)))
    c.add("wrong-mediatype", "mediaType|media type", "mediaType is application/json",
          mutated(lambda b: b.update(mediaType="application/json")))

    # --- base64 --------------------------------------------------------------
    p64 = env(good)["payload"]
    s64 = env(good)["signatures"][0]["sig"]
    c.add("payload-b64-illegal-chars", "base64",
          "payload base64 with '!*?$' in it",
          mutated(lambda b: env(b).update(payload=p64[:4] + "!*?$" + p64[8:])))
    c.add("payload-b64-padding-middle", "base64",
          "payload base64 with '==' padding in the middle",
          mutated(lambda b: env(b).update(payload=p64[:2] + "==" + p64[4:])))
    c.add("payload-b64-excess-padding", "base64",
          "payload base64 with one '=' too many",
          mutated(lambda b: env(b).update(payload=p64 + "=")))
    c.add("sig-b64-illegal-chars", "base64", "sig base64 with '#%&' in it",
          mutated(lambda b: env(b)["signatures"][0].update(sig=s64[:8] + "#%&@" + s64[12:])))
    c.add("sig-b64-padding-middle", "base64",
          "sig base64 with '==' padding in the middle",
          mutated(lambda b: env(b)["signatures"][0].update(sig=s64[:6] + "==" + s64[8:])))
    c.add("sig-b64-excess-padding", "base64",
          "sig base64 with '===' padding",
          mutated(lambda b: env(b)["signatures"][0].update(sig=s64.rstrip("=") + "===")))

    # --- signature / key --------------------------------------------------------
    c.add("signatures-empty", "signature", "signatures is []",
          mutated(lambda b: env(b).update(signatures=[])))
    c.add("sig-empty", "sig", "sig is the empty string",
          mutated(lambda b: env(b)["signatures"][0].update(sig="")))
    other_payload = jdump(statement(file_resources()[:2]))
    c.add("sig-over-other-bytes", "signature",
          "valid DER signature by the right key over a different statement",
          bundle(good_payload, sig=sign_bytes(pae(other_payload))))
    with tempfile.TemporaryDirectory() as tmp:
        other_key = pathlib.Path(tmp) / "other.pem"
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", str(other_key))
        other_sig = sign_bytes(pae(good_payload), key=other_key)
    c.add("sig-other-key", "signature",
          "correct PAE signed by a different P-256 key (hint still matches)",
          bundle(good_payload, sig=other_sig))
    c.add("sig-without-pae", "signature",
          "signature over the raw payload instead of the PAE",
          bundle(good_payload, sig=sign_bytes(good_payload)))
    good_sig = base64.b64decode(s64)
    c.add("sig-der-trailing-bytes", "signature",
          "valid DER signature followed by two extra bytes",
          bundle(good_payload, sig=good_sig + b"\x00\x00"))
    c.add("sig-raw-r-s", "signature",
          "64 bytes r||s instead of DER",
          bundle(good_payload, sig=bytes(range(1, 65))))
    c.add("hint-mismatch", "hint|mismatch",
          "publicKey.hint is a different (well-formed) sha256",
          bundle(good_payload, hint=sha256(b"some other key")))
    c.add("payloadtype-changed", "Expected DSSE payload",
          "payloadType changed to application/json after signing",
          mutated(lambda b: env(b).update(payloadType="application/json")))

    # --- signed, hostile statement ------------------------------------------------
    c.signed("stmt-not-json", "json", "signed payload is not JSON",
             b"this is not JSON at all\n")
    bad_utf8 = jdump(statement(file_resources() + [res("..SLASHoutside.txt", sha256(b""))]))
    c.signed("stmt-invalid-utf8", "utf",
             "signed statement with overlong UTF-8 '/' (c0 af) in a resource name",
             bad_utf8.replace(b"SLASH", b"\xc0\xaf"))
    st = files_statement()
    st["predicate"]["extra"] = "@@N@@"
    c.signed("stmt-nesting-100000", "depth|nest|deep",
             "signed statement with objects nested 100000 deep",
             st, subs={"@@N@@": b'{"a":' * depth + b"{}" + b"}" * depth})

    def sst(fn, base=None):
        s = copy.deepcopy(base or files_statement())
        fn(s)
        return s

    c.signed("stmt-type-wrong", "Expected in-toto", "_type is not in-toto Statement/v1",
             sst(lambda s: s.update(_type="https://evil.example/Statement/v1")))
    c.signed("stmt-two-subjects", "subject", "two subjects",
             sst(lambda s: s["subject"].append(copy.deepcopy(s["subject"][0]))))
    c.signed("stmt-zero-subjects", "subject", "subject is []",
             sst(lambda s: s.update(subject=[])))
    c.signed("stmt-subject-no-sha256", "sha256",
             "subject digest has only a sha512 entry",
             sst(lambda s: s["subject"][0].update(
                 digest={"sha512": hashlib.sha512(b"x").hexdigest()})))
    c.signed("stmt-predicatetype-wrong", "predicateType|predicate type",
             "predicateType is not model_signing/signature/v1.0",
             sst(lambda s: s.update(predicateType="https://evil.example/predicate/v1")))
    c.signed("stmt-method-unknown", "method|serialization", "serialization.method is 'telepathy'",
             sst(lambda s: s["predicate"]["serialization"].update(method="telepathy")))
    blake3_res = [res(r["name"], sha256(b"fake blake3 " + r["name"].encode()), "blake3")
                  for r in file_resources()]
    c.signed("stmt-hash-blake3", "blake3", "hash_type blake3 (unsupported)",
             statement(blake3_res, hash_type="blake3"))
    md5_res = [res(r["name"], hashlib.md5(MODEL_FILES[r["name"]]).hexdigest(), "md5")
               for r in file_resources()]
    c.signed("stmt-hash-unknown", "md5|hash_type|hash type", "hash_type md5",
             statement(md5_res, hash_type="md5"))
    c.signed("stmt-resources-not-list", "resources",
             "resources is an object keyed by name",
             sst(lambda s: s["predicate"].update(
                 resources={r["name"]: r["digest"] for r in file_resources()})))
    r = file_resources()
    del r[0]["name"]
    c.signed("stmt-resource-missing-name", "name", "a resource without name",
             statement(r))
    r = file_resources()
    del r[0]["digest"]
    c.signed("stmt-resource-missing-digest", "digest", "a resource without digest",
             statement(r, root=files_statement()["subject"][0]["digest"]["sha256"]))
    r = file_resources()
    r[0]["digest"] = "zz" * 32
    c.signed("stmt-digest-not-hex", "hex", "resource digest is 64 non-hex chars",
             statement(r, root=files_statement()["subject"][0]["digest"]["sha256"]))
    r = file_resources()
    r[0]["digest"] = r[0]["digest"][:62]
    c.signed("stmt-digest-wrong-length", "length|digest",
             "resource digest has 31 bytes (62 hex chars)", statement(r))
    c.signed("stmt-root-mismatch", "root|inconsistent",
             "subject digest does not match the resources",
             statement(file_resources(), root=sha256(b"not the root")))
    c.signed("stmt-algorithm-mismatch", "algorithm",
             "resource algorithm blake2b while hash_type is sha256",
             statement([dict(x, algorithm="blake2b") for x in file_resources()]))
    r = file_resources()
    r[2]["digest"] = sha256(b"tampered weights\n")
    c.signed("stmt-file-digest-mismatch", "weights.bin",
             "weights.bin digest does not match the file (root consistent)",
             statement(r))
    r = file_resources()
    r.append(copy.deepcopy(r[2]))
    c.signed("stmt-duplicate-resource", "more than once", "weights.bin listed twice",
             statement(r))

    # --- path traversal (each also run with --ignore_unsigned_files) --------------
    secret_digest = sha256(SECRET_BYTES)
    traversal = [
        ("path-dotdot", "../outside-secret.txt", secret_digest, "path|name"),
        ("path-sub-dotdot", "sub/../../outside-secret.txt", secret_digest, "path|name"),
        ("path-absolute", "/etc/passwd", sha256(b""), "path|name"),
        ("path-empty", "", sha256(b""), "empty|path|name"),
        ("path-nul", "a\u0000b", sha256(b""), "nul|path|name"),
        ("path-dir-dotdot", "./weights.bin/..", sha256(MODEL_FILES["weights.bin"]),
         "path|name"),
        ("path-dot-segment", "sub/./tokenizer.txt", sha256(b"tok\n"), "'.' segment"),
        ("path-double-slash", "sub//tokenizer.txt", sha256(b"tok\n"), "empty path segment"),
    ]
    for slug, name, digest, expected in traversal:
        rr = sorted(file_resources() + [res(name, digest)], key=lambda x: x["name"])
        c.signed(slug, expected, f"resource name {json.dumps(name)}",
                 statement(rr), extra=TRAVERSAL_FLAG)
    long_name = "a/" * 2100 + "w"
    c.signed("name-too-long", "long", f"resource name of {len(long_name)} bytes",
             statement(file_resources() + [res(long_name, sha256(b""))]))
    many = b",".join(b'{"name":"r%d"}' % i for i in range(200000))
    st = files_statement()
    st["predicate"]["resources"] = "@@R@@"
    c.signed("huge-resource-list", "algorithm|digest|too many",
             "200000 resources r0..r199999 (names only, to keep the file small)",
             st, subs={"@@R@@": b"[" + many + b"]"})

    # --- shards -----------------------------------------------------------------
    def shard_case(slug, expected, desc, size_raw, algo_size=None, resources=None):
        """shard_size given as raw JSON text; resources use sha256-sharded-<algo_size>."""
        rr = copy.deepcopy(resources or shard_resources())
        if algo_size is not None:
            for x in rr:
                x["algorithm"] = f"sha256-sharded-{algo_size}"
        st = shards_statement(shard_size="@@S@@", resources=rr)
        c.signed(slug, expected, desc, st, subs={"@@S@@": size_raw})

    shard_case("shard-size-zero", "shard", "shard_size 0", b"0", "0")
    shard_case("shard-size-negative", "shard", "shard_size -8", b"-8", "-8")
    shard_case("shard-size-fractional", "shard", "shard_size 1.5", b"1.5", "1.5")
    shard_case("shard-size-1e999", "shard|number|range",
               "shard_size 1e999 (overflows a double)", b"1e999", "1e999")
    big = b"1" + b"0" * 400
    shard_case("shard-size-huge-integer", "shard|number|range",
               "shard_size 10^400", big, big.decode())
    shard_case("shard-size-2pow64", "shard",
               "shard_size 2^64 (wraps to 0 in uint64)",
               b"18446744073709551616", "18446744073709551616")
    shard_case("shard-size-string", "shard", 'shard_size is the string "8"',
               b'"8"', SHARD_SIZE)

    def shard_names(mapping, extra=None):
        rr = shard_resources()
        for x in rr:
            if x["name"] in mapping:
                x["name"] = mapping[x["name"]]
        return rr + (extra or [])

    shard_case("shard-start-gt-end", "shard|offset|range",
               "shard name weights.bin:16:8 (start > end)", b"8",
               resources=shard_names({"weights.bin:8:16": "weights.bin:16:8"}))
    shard_case("shard-non-numeric", "shard|offset",
               "shard name weights.bin:a:b", b"8",
               resources=shard_names({"weights.bin:8:16": "weights.bin:a:b"}))
    shard_case("shard-beyond-eof", "Missing files",
               "extra shard weights.bin:24:32 past the 22-byte file (digest of b'')",
               b"8", resources=shard_names(
                   {}, [res("weights.bin:24:32", sha256(b""), "sha256-sharded-8")]))
    shard_case("shard-offset-overflow", "shard|offset|range",
               "shard name weights.bin:16:99999999999999999999999", b"8",
               resources=shard_names(
                   {"weights.bin:16:22": "weights.bin:16:99999999999999999999999"}))
    shard_case("shard-no-offsets", "shard",
               "shard name without :start:end", b"8",
               resources=shard_names({"config.json:0:3": "config.json"}))
    rr = sorted(shard_resources() + [res("../outside-secret.txt:0:8",
                                         sha256(SECRET_BYTES[:8]),
                                         "sha256-sharded-8")],
                key=lambda x: x["name"])
    c.signed("shard-path-dotdot", "path|name",
             "shard resource ../outside-secret.txt:0:8",
             shards_statement(resources=rr), extra=TRAVERSAL_FLAG)

    # --- cases.tsv ------------------------------------------------------------------
    lines = ["# file\texpected (case-insensitive, '|' separates alternatives)"
             "\tdescription\textra args"]
    for fname, expected, desc, extra in c.rows:
        for field in (fname, expected, desc, extra):
            assert "\t" not in field and "\n" not in field
        lines.append("\t".join((fname, expected, desc, extra)))
    (HERE / "cases.tsv").write_text("\n".join(lines) + "\n")

    # --- self-check: the positive controls carry good signatures --------------------
    for name in ("valid.json", "valid-shards.json", "valid-blake2b.json"):
        b = json.loads((HERE / name).read_bytes())
        payload = base64.b64decode(b["dsseEnvelope"]["payload"], validate=True)
        sig = base64.b64decode(b["dsseEnvelope"]["signatures"][0]["sig"], validate=True)
        if not verify_bytes(pae(payload), sig):
            sys.exit(f"self-check failed: bad signature in {name}")
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"wrote {c.n} cases ({len(c.rows)} runs) to {CASES}; corpus {total} bytes")


if __name__ == "__main__":
    main()
