# SPDX-License-Identifier: Apache-2.0
"""omsig.model_signing beside model_signing 1.1.1's own API, on the same inputs: the outcome
(no exception, or its type) and the message must be the same.  Skips when the reference is
not installed (tests/.venv, put on the path by OMSIG_REFERENCE_SITE)."""

import shutil

import pytest

from conftest import PKI

ref = pytest.importorskip("model_signing", reason="model_signing 1.1.1 (tests/.venv) absent")
from omsig import model_signing as ours  # noqa: E402

# The one intended difference of outcome: pyOpenSSL's exception type (omsig raises a
# ValueError with the same message; it does not depend on pyOpenSSL).
SAME_KIND = {("X509StoreContextError", "ValueError")}

# Rows where model_signing 1.1.1's API fails on its own bundle (a bug) and omsig does what it
# evidently meant: case -> (the reference's outcome, omsig's kind, omsig's message start).
INTENDED = {
    # the shard size read back from the manifest is a float, and range() refuses it
    "shards": (("TypeError", "'float' object cannot be interpreted as an integer"), "OK", ""),
    "shards tampered": (("TypeError", "'float' object cannot be interpreted as an integer"),
                        "ValueError", "Signature mismatch: [\"Hash mismatch for 'weights.bin:0:"),
    # the manifest says "blake2b", the configuration it guesses from it accepts "blake2" only
    "blake2": (("ValueError", "Unsupported hashing method blake2b"), "OK", ""),
}


def outcome(fn):
    try:
        fn()
        return ("OK", "")
    except Exception as e:  # noqa: BLE001
        kind = type(e).__name__
        # omsig's ValueError subclass carries the result; model_signing raises ValueError
        return ("ValueError" if kind == "VerificationError" and type(e).__mro__[2] is ValueError
                else kind, str(e))


def make_model(root):
    m = root / "model"
    (m / "sub").mkdir(parents=True)
    (m / "config.json").write_text('{"a": 1}\n')
    (m / "weights.bin").write_bytes(bytes(range(256)) * 4000)
    (m / "sub" / "vocab.txt").write_text("word\n" * 500)
    (m / "notes.md").write_text("not signed\n")
    return m


def hashing(lib, kind):
    h = lib.hashing.Config()
    if kind == "shards":
        h.use_shard_serialization(shard_size=100_000)
    elif kind == "blake3":
        h.use_file_serialization(hashing_algorithm="blake3")
    elif kind == "blake2":
        h.use_file_serialization(hashing_algorithm="blake2")
    if kind == "ignore":
        h.set_ignored_paths(paths=["notes.md", "sub"])
    return h


# case, serialization, the change made to the model after signing, the verifier
CASES = [
    ("valid", "files", None, "key"),
    ("tampered", "files", "tamper", "key"),
    ("extra file", "files", "extra", "key"),
    ("missing file", "files", "missing", "key"),
    ("ignore paths", "ignore", "tamper-ignored", "key"),
    ("ignore unsigned files", "files", "extra", "key-unsigned"),
    ("shards", "shards", None, "key"),
    ("shards tampered", "shards", "tamper", "key"),
    ("blake3", "blake3", None, "key"),
    ("blake3 tampered", "blake3", "tamper", "key"),
    ("blake2", "blake2", None, "key"),
    ("wrong key", "files", None, "wrong-key"),
    ("certificate", "files", None, "cert"),
    ("wrong chain", "files", None, "wrong-chain"),
    ("missing signature", "files", None, "no-sig"),
]


def change(m, what):
    if what == "tamper":
        (m / "weights.bin").write_bytes(b"x" + (m / "weights.bin").read_bytes()[1:])
    elif what == "extra":
        (m / "sub" / "extra.bin").write_bytes(b"extra")
    elif what == "missing":
        (m / "sub" / "vocab.txt").unlink()
    elif what == "tamper-ignored":
        (m / "notes.md").write_text("changed, ignored\n")
        (m / "sub" / "vocab.txt").write_text("changed, ignored\n")


def verifier(lib, how, hashing_kind):
    v = lib.verifying.Config()
    if how in ("key", "key-unsigned", "no-sig"):
        v.use_elliptic_key_verifier(public_key=PKI / "p256.pub.pem")
    elif how == "wrong-key":
        v.use_elliptic_key_verifier(public_key=PKI / "p384.pub.pem")
    elif how == "cert":
        v.use_certificate_verifier(certificate_chain=[PKI / "root.cert.pem"])
    elif how == "wrong-chain":
        v.use_certificate_verifier(certificate_chain=[PKI / "other-root.cert.pem"])
    if how == "key-unsigned":
        v.set_ignore_unsigned_files(True)
    if hashing_kind == "ignore":
        v.set_hashing_config(hashing(lib, "ignore"))
    return v


def signer(lib, how):
    s = lib.signing.Config()
    if how in ("cert", "wrong-chain"):
        return s.use_certificate_signer(private_key=PKI / "leaf-p256.key.pem",
                                        signing_certificate=PKI / "leaf-p256.cert.pem",
                                        certificate_chain=[PKI / "int.cert.pem"])
    return s.use_elliptic_key_signer(private_key=PKI / "p256.key.pem")


@pytest.mark.parametrize("case, ser, what, how", CASES, ids=[c[0] for c in CASES])
def test_side_by_side(tmp_path, case, ser, what, how):
    m = make_model(tmp_path)
    sig = tmp_path / "model.sig"
    signer(ref, how).set_hashing_config(hashing(ref, ser)).sign(m, sig)
    change(m, what)
    if how == "no-sig":
        sig = tmp_path / "absent.sig"
    theirs = outcome(lambda: verifier(ref, how, ser).verify(m, sig))
    mine = outcome(lambda: verifier(ours, how, ser).verify(m, sig))
    # a certificate failure keeps the reference's (OpenSSL's) reason first, then says which
    # certificate or root it is about
    same_reason = theirs[1] == mine[1] or (theirs[0] == "X509StoreContextError" and
                                          mine[1].startswith(theirs[1] + ": "))
    same = theirs == mine or ((theirs[0], mine[0]) in SAME_KIND and same_reason)
    word = "same" if theirs == mine else "same reason, pyOpenSSL's type" if same else "DIFFERENT"
    if case in INTENDED:
        want_ref, kind, start = INTENDED[case]
        same = theirs == want_ref and mine[0] == kind and mine[1].startswith(start)
        word = "intended: model_signing's bug" if same else "DIFFERENT"
    print(f"\n| {case} | {theirs[0]}: {theirs[1][:60]} | {mine[0]}: {mine[1][:60]} | {word} |")
    assert same, (theirs, mine)


@pytest.mark.parametrize("ser", ["files", "shards", "blake3", "ignore"])
def test_signed_by_omsig_verified_by_reference(tmp_path, ser):
    m = make_model(tmp_path)
    sig = tmp_path / "model.sig"
    ours.signing.Config().use_elliptic_key_signer(
        private_key=PKI / "p256-enc.key.pem", password="omsig-test"
    ).set_hashing_config(hashing(ours, ser)).sign(m, sig)
    verifier(ref, "key", ser).verify(m, sig)
    change(m, "tamper")
    with pytest.raises(ValueError, match="Signature mismatch"):
        verifier(ref, "key", ser).verify(m, sig)


def test_same_configuration_errors(tmp_path):
    for lib in (ref, ours):
        with pytest.raises(ValueError, match="Attempting to verify with no configured verifier"):
            lib.verifying.Config().verify(tmp_path, tmp_path / "x.sig")
        with pytest.raises(FileNotFoundError, match="No such file or directory"):
            lib.verifying.Config().use_elliptic_key_verifier(public_key=tmp_path / "no.pem")
    with pytest.raises(NotImplementedError, match="Sigstore"):
        ours.signing.Config().use_sigstore_signer()
    with pytest.raises(NotImplementedError):
        ours.signing.sign(tmp_path, tmp_path / "x.sig")
