# SPDX-License-Identifier: Apache-2.0
"""The native API: every method, every serialization, results and errors, threads, progress,
argument checks, path types."""

import os
import pathlib
import threading
import time

import pytest

import omsig
from conftest import INTEROP, PKI, VECTORS

NESTED_ROOT = "53cf394b29a12fec2dbf57e9ae776a2275c90e5f2759cfce4d25f08421732395"
# openssl pkey -pubin -in testdata/pki/p256.pub.pem -outform DER | sha256sum
P256_SPKI_SHA256 = "85afd74c11bcd69f4b1ba49fba51b41d5648f726e232c9c219b2906586eb0171"
SIG = INTEROP / "bundles"


def test_verify_key_result():
    r = omsig.verify(INTEROP / "models" / "nested", SIG / "nested.sig",
                     public_key=PKI / "p256.pub.pem")
    assert r.ok and r.verdict == "success" and r.status == omsig.Status.OK
    assert r.signed_root_digest == r.root_digest == NESTED_ROOT
    assert r.files > 0 and r.bytes > 0 and r.seconds >= r.hash_seconds >= 0
    assert r.engine == "cpu" and r.engine_reason and r.reader
    assert r.message == "" and r.problems == []
    # the SHA-256 of the key's DER SubjectPublicKeyInfo, as openssl computes it
    assert r.signer["kind"] == "key" and r.signer["subject"] is None
    assert r.signer["fingerprint"] == P256_SPKI_SHA256


def test_verify_certificate_inferred_and_named():
    for method in (None, "certificate"):
        r = omsig.verify(str(INTEROP / "models" / "nested"), str(SIG / "cert-p384.sig"),
                         certificate_chain=str(PKI / "root.cert.pem"), method=method)
        assert r.root_digest == NESTED_ROOT


def test_tampered_raises_with_problems():
    with pytest.raises(omsig.VerificationError) as e:
        omsig.verify(INTEROP / "models" / "tampered", SIG / "nested.sig",
                     public_key=PKI / "p256.pub.pem")
    assert isinstance(e.value, ValueError)
    r = e.value.result
    assert r.status == omsig.Status.E_DIGEST_MISMATCH and e.value.status == r.status
    assert str(e.value).startswith("Signature mismatch: [")
    # the same files, one changed: the model's root is computed and differs from the signed one
    assert r.signed_root_digest == NESTED_ROOT and len(r.root_digest) == 64
    assert r.root_digest != NESTED_ROOT
    p = r.problems[0]
    assert p.kind == "mismatch" and len(p.expected) == 64 and len(p.actual) == 64
    assert p.expected != p.actual


def test_wrong_key_and_chain():
    with pytest.raises(omsig.VerificationError, match="Key mismatch"):
        omsig.verify(INTEROP / "models" / "nested", SIG / "nested.sig",
                     public_key=PKI / "p384.pub.pem")
    with pytest.raises(omsig.VerificationError, match="unable to get local issuer"):
        omsig.verify(INTEROP / "models" / "nested", SIG / "cert-p256.sig",
                     certificate_chain=[PKI / "other-root.cert.pem"])


def test_verify_time():
    # leaf-expired was valid 2020..2021: expired now, valid at its own notBefore
    args = (INTEROP / "models" / "nested", SIG / "cert-expired.sig")
    chain = PKI / "root.cert.pem"
    with pytest.raises(omsig.VerificationError) as e:
        omsig.verify(*args, certificate_chain=chain)
    assert e.value.result.message.startswith("certificate has expired: the signing certificate")
    assert e.value.result.trust_root_source == "certificate_chain"
    assert omsig.verify(*args, certificate_chain=chain, verify_time="signing").ok
    with pytest.raises(omsig.VerificationError):
        omsig.verify(*args, certificate_chain=chain, verify_time="now")
    with pytest.raises(ValueError, match="verify_time must be 'now' or 'signing'"):
        omsig.verify(*args, certificate_chain=chain, verify_time="later")


@pytest.mark.parametrize("hash_, shard", [("sha256", None), ("sha256", 1000),
                                          ("blake2b", None), ("blake2b", 4096),
                                          ("blake3", None)])
def test_sign_key_round_trip(model, tmp_path, hash_, shard):
    sig = tmp_path / "model.sig"
    s = omsig.sign(model, sig, private_key=PKI / "p256.key.pem", hash=hash_, shard_size=shard)
    assert s.ok and len(s.root_digest) == 64
    assert omsig.digest(model, hash=hash_, shard_size=shard).root_digest == s.root_digest
    v = omsig.verify(model, sig, public_key=PKI / "p256.pub.pem")
    assert v.root_digest == s.root_digest
    (model / "a" / "weights.bin").write_bytes(b"changed")
    with pytest.raises(omsig.VerificationError, match="Signature mismatch"):
        omsig.verify(model, sig, public_key=PKI / "p256.pub.pem")


def test_digests_differ_by_serialization(model):
    roots = {omsig.digest(model, hash=h, shard_size=s).root_digest
             for h, s in [("sha256", None), ("sha256", 1000), ("blake2b", None), ("blake3", None)]}
    assert len(roots) == 4


def test_sign_encrypted_key_and_certificate(model, tmp_path):
    sig = tmp_path / "k.sig"
    omsig.sign(model, sig, private_key=PKI / "p256-enc.key.pem", password="omsig-test")
    omsig.verify(model, sig, public_key=PKI / "p256.pub.pem")
    with pytest.raises(omsig.SigningError):
        omsig.sign(model, tmp_path / "bad.sig", private_key=PKI / "p256-enc.key.pem",
                   password="wrong")
    assert not (tmp_path / "bad.sig").exists()
    sig = tmp_path / "c.sig"
    omsig.sign(model, sig, private_key=PKI / "leaf-p256.key.pem",
               signing_certificate=PKI / "leaf-p256.cert.pem",
               certificate_chain=[PKI / "int.cert.pem"])
    r = omsig.verify(model, sig, certificate_chain=PKI / "root.cert.pem")
    assert r.ok


def test_ignore_paths_and_unsigned_files(model, tmp_path):
    sig = tmp_path / "m.sig"
    omsig.sign(model, sig, private_key=PKI / "p256.key.pem", ignore_paths=[model / "config.json"])
    (model / "config.json").write_text("changed")
    omsig.verify(model, sig, public_key=PKI / "p256.pub.pem", ignore_paths=[model / "config.json"])
    (model / "new.txt").write_text("unsigned")
    with pytest.raises(omsig.VerificationError, match="Extra files"):
        omsig.verify(model, sig, public_key=PKI / "p256.pub.pem")
    omsig.verify(model, sig, public_key=PKI / "p256.pub.pem", ignore_unsigned_files=True)


def test_sigstore_vectors():
    d = VECTORS / "model-transparency" / "v1.1.0-sigstore"
    if not d.is_dir():
        pytest.skip("shared vectors not present")
    ident = dict(identity="stefanb@us.ibm.com",
                 identity_provider="https://sigstore.verify.ibm.com/oauth2",
                 trust_config=VECTORS / "sigstore" / "trusted_root.production.json")
    r = omsig.verify(d, d / "model.sig", **ident)
    assert r.ok and r.trust_root_source == "trust_config"
    with pytest.raises(omsig.VerificationError):
        omsig.verify(d, d / "model.sig", **dict(ident, identity="someone@example.com"))


def test_four_threads_at_once(model, tmp_path):
    sig = tmp_path / "m.sig"
    root = omsig.sign(model, sig, private_key=PKI / "p256.key.pem").root_digest
    ctx = omsig.Context()
    out, errors = [], []

    def work(i):
        try:
            for _ in range(10):
                if i % 2:
                    out.append(ctx.verify(model, sig, public_key=PKI / "p256.pub.pem").root_digest)
                else:
                    try:
                        omsig.verify(INTEROP / "models" / "tampered", SIG / "nested.sig",
                                     public_key=PKI / "p256.pub.pem")
                        errors.append("tampered model verified")
                    except omsig.VerificationError as e:
                        out.append(e.result.signed_root_digest)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(set(out)) == sorted({root, NESTED_ROOT}) and len(out) == 40


@pytest.fixture
def big_model(tmp_path):
    """A 3 GiB sparse file: seconds of hashing, no disk."""
    m = tmp_path / "big"
    m.mkdir()
    with open(m / "weights.bin", "wb") as f:
        f.truncate(3 << 30)
    return m


def test_progress_calls(big_model):
    calls = []
    r = omsig.digest(big_model, threads=1,
                     progress=lambda d, t: calls.append((time.monotonic(), d, t)))
    assert calls and calls[-1][1:] == (r.bytes, r.bytes)
    assert all(t == r.bytes for _, _, t in calls)
    done = [d for _, d, _ in calls]
    assert done == sorted(done)
    gaps = [b[0] - a[0] for a, b in zip(calls, calls[1:])]
    assert all(g >= 0.099 for g in gaps), gaps
    assert threading.current_thread() is threading.main_thread()


def test_progress_raising_cancels(big_model, model):
    class Stop(Exception):
        pass

    seen = []

    def boom(done, total):
        seen.append((done, total, threading.get_ident()))
        raise Stop("enough")

    ctx = omsig.Context()
    with pytest.raises(Stop, match="enough"):
        ctx.digest(big_model, threads=1, progress=boom)
    assert len(seen) == 1 and seen[0][0] < seen[0][1] == 3 << 30
    assert seen[0][2] == threading.get_ident()
    # the context is usable again at once, not cancelled
    assert ctx.digest(model).root_digest == omsig.digest(model).root_digest


@pytest.mark.parametrize("kwargs, exc", [
    (dict(model=123), TypeError),
    (dict(model=""), ValueError),
    (dict(public_key=1.5), TypeError),
    (dict(hasher="fast"), ValueError),
    (dict(hasher=1), TypeError),
    (dict(threads=0), ValueError),
    (dict(threads="2"), TypeError),
    (dict(progress=5), TypeError),
    (dict(ignore_git_paths="yes"), TypeError),
    (dict(identity="x"), ValueError),            # key and sigstore arguments together
    (dict(method="pgp"), ValueError),
    (dict(method="certificate"), ValueError),    # named, with the key method's argument
    (dict(ignore_paths=[1]), TypeError),
])
def test_bad_arguments_before_work(kwargs, exc):
    args = dict(model="/nonexistent/model", signature="/nonexistent/sig",
                public_key=PKI / "p256.pub.pem")
    args.update(kwargs)
    with pytest.raises(exc) as e:
        omsig.verify(args.pop("model"), args.pop("signature"), **args)
    assert not isinstance(e.value, omsig.Error)


def test_bad_arguments_sign_digest(model, tmp_path):
    with pytest.raises(ValueError):
        omsig.sign(model, tmp_path / "s.sig")  # no key
    with pytest.raises(ValueError):
        omsig.digest(model, hash="md5")
    with pytest.raises(ValueError):
        omsig.digest(model, hash="blake3", shard_size=1000)
    with pytest.raises(omsig.VerificationError):
        omsig.verify(model, tmp_path / "none.sig", public_key=PKI / "p256.pub.pem")
    with pytest.raises(ValueError, match="identity"):
        omsig.verify(model, tmp_path / "none.sig")


class _Path(os.PathLike):
    def __init__(self, p):
        self.p = p

    def __fspath__(self):
        return str(self.p)


def test_pathlike_and_bytes_paths():
    r = omsig.verify(_Path(INTEROP / "models" / "nested"), os.fsencode(SIG / "nested.sig"),
                     public_key=pathlib.Path(PKI / "p256.pub.pem"))
    assert r.root_digest == NESTED_ROOT


def test_type_information_ships():
    pkg = pathlib.Path(omsig.__file__).parent
    assert (pkg / "py.typed").is_file() and (pkg / "_omsig.pyi").is_file()
    for name in set(omsig.__all__) - {"PathLike"}:  # a type alias
        assert getattr(omsig, name).__doc__, name
