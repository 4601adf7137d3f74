# SPDX-License-Identifier: Apache-2.0
"""The native API: verify, sign and digest with libomsig, argument checks, results, errors."""

from __future__ import annotations

import enum
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _omsig

PathLike = Union[str, bytes, "os.PathLike[str]", "os.PathLike[bytes]"]
"""A path: ``str``, ``bytes`` or any ``os.PathLike``."""

ProgressFn = Callable[[int, int], object]
"""A progress callable, called with (bytes done, bytes total)."""

_OP_VERIFY, _OP_SIGN, _OP_DIGEST = 0, 1, 2


class Status(enum.IntEnum):
    """The library's status codes (``omsig_status`` in ``omsig.h``); the values are stable."""

    OK = 0
    E_GENERIC = 1
    E_CANCELLED = 2
    E_NOMEM = 10
    E_LIMIT = 11
    E_IO = 20
    E_MODEL_PATH = 21
    E_FILE_CHANGED = 22
    E_BUNDLE_PARSE = 30
    E_MANIFEST_PARSE = 31
    E_UNSUPPORTED = 32
    E_MANIFEST_INCONSISTENT = 33
    E_DIGEST_MISMATCH = 40
    E_SIGNATURE_INVALID = 41
    E_KEY = 42
    E_CERTIFICATE = 43
    E_NO_DEVICE = 50
    E_CUDA = 51
    E_USAGE = 60


_METHODS = {"key": 1, "certificate": 2, "sigstore": 3, "pkcs11-key": 4, "pkcs11-certificate": 5}
_HASHERS = {"auto": 0, "cpu": 1, "gpu": 2, "hybrid": 3}
_HASHES = {"sha256": 0, "blake2b": 1, "blake3": 2}
_VERIFY_TIMES = {"now": 0, "signing": 1}
_PROBLEM_KINDS = {1: "extra", 2: "missing", 3: "mismatch"}


@dataclass(frozen=True)
class Problem:
    """One file that differs from the signed manifest."""

    kind: str
    """``"extra"`` (in the model only), ``"missing"`` (in the manifest only) or ``"mismatch"``."""
    name: str
    """The resource name (a path relative to the model, or ``path:start:end`` for a shard)."""
    expected: Optional[str]
    """The signed digest, lowercase hex; ``None`` for an extra file."""
    actual: Optional[str]
    """The model's digest, lowercase hex; ``None`` for a missing file."""


@dataclass(frozen=True)
class Result:
    """What an operation did: its verdict, digests, counts, timings and engine."""

    command: str
    """``"verify"``, ``"sign"`` or ``"digest"``."""
    status: Status
    """The library's status; ``Status.OK`` on success."""
    message: str
    """The failure message in ``model_signing``'s words; ``""`` on success."""
    signed_root_digest: Optional[str]
    """verify: the root digest in the signed statement, once the signature was checked."""
    root_digest: Optional[str]
    """The model's root digest as computed: sign and digest; verify once the model was hashed
    and held exactly the files the manifest lists (so also when their contents differ);
    ``None`` when files were extra or missing (those are not read)."""
    files: int
    """Resources (files or shards) hashed."""
    bytes: int
    """Bytes hashed."""
    seconds: float
    """Wall time of the whole operation."""
    hash_seconds: float
    """Wall time spent hashing."""
    engine: str
    """``"cpu"``, ``"gpu"`` or ``"hybrid"``; ``""`` when nothing was hashed."""
    engine_reason: str
    """Why that engine (the auto rule's estimate, or that it was asked for)."""
    reader: str
    """``"io_uring"``, ``"pread"`` or ``"io_uring and pread"``; ``""`` when nothing was read."""
    trust_root_source: str
    """sigstore: ``"trust_config"``, ``"sigstore-python-cache"`` or ``"built-in"``;
    certificate: ``"certificate_chain"``, ``"mozilla"`` or ``"openssl-default"``."""
    trust_root: str
    """The trust root (sigstore) or trust store (certificate) in words."""
    warnings: List[str] = field(default_factory=list)
    """Warnings, in order (legacy formats, certificate fingerprints, ...)."""
    problems: List[Problem] = field(default_factory=list)
    """verify: the files that differ, sorted as ``model_signing`` sorts them."""
    signer: Optional[Dict[str, Any]] = None
    """Who signed (verify, once the signature held; sign): ``kind`` (``"key"``,
    ``"certificate"`` or ``"sigstore"``), ``fingerprint`` (SHA-256, lowercase hex, of the
    public key's DER SubjectPublicKeyInfo or of the leaf certificate), and for certificates
    ``subject``, ``issuer``, ``not_before``, ``not_after``, ``sans``, for sigstore also
    ``identity`` and ``identity_provider``; ``None`` where a field does not apply."""

    @property
    def ok(self) -> bool:
        """True when the operation succeeded."""
        return self.status == Status.OK

    @property
    def verdict(self) -> str:
        """``"success"`` or ``"failure"``, as ``omsig --json`` says."""
        return "success" if self.ok else "failure"


class Error(ValueError):
    """An operation failed; ``str()`` is the library's message, ``.result`` the whole result."""

    def __init__(self, result: Result):
        super().__init__(result.message or _omsig.strerror(int(result.status)))
        self.result = result

    @property
    def status(self) -> Status:
        """The library's status code."""
        return self.result.status


class VerificationError(Error):
    """A model did not verify (a ``ValueError``, as ``model_signing`` raises)."""


class SigningError(Error):
    """Signing failed."""


class DigestError(Error):
    """Computing a digest failed."""


# ---- argument checks: all before any work ------------------------------------------------------


def _path(value: object, what: str) -> bytes:
    if isinstance(value, (str, bytes, os.PathLike)):
        p = os.fsencode(os.fspath(value))
        if not p:
            raise ValueError(f"{what} is empty")
        if b"\0" in p:
            raise ValueError(f"{what} holds a NUL character")
        return p
    raise TypeError(f"{what} must be a str, bytes or os.PathLike path, not {type(value).__name__}")


def _opt_path(value: object, what: str) -> Optional[bytes]:
    return None if value is None else _path(value, what)


def _paths(value: object, what: str) -> List[bytes]:
    """One path, or an iterable of paths."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, os.PathLike)):
        return [_path(value, what)]
    try:
        items = list(value)  # type: ignore[call-overload]
    except TypeError:
        raise TypeError(f"{what} must be a path or an iterable of paths, "
                        f"not {type(value).__name__}") from None
    return [_path(v, what) for v in items]


def _text(value: object, what: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if "\0" in value:
        raise ValueError(f"{what} holds a NUL character")
    return value


def _flag(value: object, what: str) -> int:
    if not isinstance(value, (bool, int)):
        raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    return int(bool(value))


def _choice(value: object, table: dict, what: str) -> int:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a str, not {type(value).__name__}")
    if value not in table:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, table))}, not {value!r}")
    return table[value]


def _count(value: object, what: str, minimum: int = 1) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    if value < minimum or value >= 1 << 63:
        raise ValueError(f"{what} must be at least {minimum}")
    return value


def _progress(value: object) -> Optional[ProgressFn]:
    if value is not None and not callable(value):
        raise TypeError(f"progress must be a callable or None, not {type(value).__name__}")
    return value  # type: ignore[return-value]


def _engines(opts: dict, hasher: str, threads: Optional[int]) -> None:
    opts["hasher"] = _choice(hasher, _HASHERS, "hasher")
    opts["threads"] = _count(threads, "threads") or 0


def _walk(opts: dict, ignore_paths: object, ignore_git_paths: object,
          allow_symlinks: object) -> None:
    opts["ignore_paths"] = _paths(ignore_paths, "ignore_paths")
    opts["ignore_git_paths"] = _flag(ignore_git_paths, "ignore_git_paths")
    opts["allow_symlinks"] = _flag(allow_symlinks, "allow_symlinks")


def _infer(method: Optional[str], given: dict, allowed: Sequence[str], default: str) -> str:
    """The method named, or the one the arguments imply (as the CLI infers it)."""
    implied = [m for m, present in given.items() if present]
    if method is not None:
        _choice(method, {m: 0 for m in allowed}, "method")
        others = [m for m in implied if m != method]
        if others:
            raise ValueError(f"arguments of the {others[0]} method given with method={method!r}")
        return method
    if len(implied) > 1:
        raise ValueError(f"arguments of two methods given: {implied[0]} and {implied[1]}")
    return implied[0] if implied else default


def _result(command: str, d: dict) -> Result:
    status = Status(d["status"]) if d["status"] in Status._value2member_map_ else d["status"]
    return Result(
        command=command,
        status=status,
        message=d["message"],
        signed_root_digest=d["signed_root_digest"] or None,
        root_digest=d["root_digest"] or None,
        files=d["files"],
        bytes=d["bytes"],
        seconds=d["seconds"],
        hash_seconds=d["hash_seconds"],
        engine=d["engine"],
        engine_reason=d["engine_reason"],
        reader=d["reader"],
        trust_root_source=d["trust_root_source"],
        trust_root=d["trust_root"],
        warnings=list(d["warnings"]),
        problems=[Problem(_PROBLEM_KINDS.get(k, str(k)), n, e or None, a or None)
                  for k, n, e, a in d["problems"]],
        signer=d["signer"],
    )


def _verify_options(
    model: PathLike,
    signature: PathLike,
    *,
    method: Optional[str] = None,
    public_key: Optional[PathLike] = None,
    certificate_chain: Union[PathLike, Iterable[PathLike], None] = None,
    log_fingerprints: bool = False,
    verify_time: str = "now",
    identity: Optional[str] = None,
    identity_provider: Optional[str] = None,
    trust_config: Optional[PathLike] = None,
    use_staging: bool = False,
    ignore_paths: Union[PathLike, Iterable[PathLike], None] = None,
    ignore_git_paths: bool = True,
    ignore_unsigned_files: bool = False,
    allow_symlinks: bool = False,
    hasher: str = "auto",
    threads: Optional[int] = None,
    progress: Optional[ProgressFn] = None,
) -> Tuple[dict, Optional[ProgressFn]]:
    """The options of a verify call (the keywords of :func:`omsig.verify`), checked."""
    opts: dict = {"model": _path(model, "model"), "signature": _path(signature, "signature")}
    chain = _paths(certificate_chain, "certificate_chain")
    m = _infer(method, {"certificate": bool(chain) or bool(log_fingerprints),
                        "key": public_key is not None,
                        "sigstore": identity is not None or identity_provider is not None
                                    or trust_config is not None or bool(use_staging)},
               ("key", "certificate", "sigstore"), "sigstore")
    opts["method"] = _METHODS[m]
    if m == "key":
        if public_key is None:
            raise ValueError("the key method needs public_key")
        opts["public_key"] = _path(public_key, "public_key")
    elif m == "certificate":
        opts["certificate_chain"] = chain
        opts["log_fingerprints"] = _flag(log_fingerprints, "log_fingerprints")
        if verify_time not in _VERIFY_TIMES:
            raise ValueError(f"verify_time must be 'now' or 'signing', not {verify_time!r}")
        opts["verify_time"] = _VERIFY_TIMES[verify_time]
    else:
        opts["identity"] = _text(identity, "identity")
        opts["identity_provider"] = _text(identity_provider, "identity_provider")
        if not opts["identity"] or not opts["identity_provider"]:
            raise ValueError("the sigstore method needs identity and identity_provider")
        opts["trust_config"] = _opt_path(trust_config, "trust_config")
        opts["use_staging"] = _flag(use_staging, "use_staging")
    _walk(opts, ignore_paths, ignore_git_paths, allow_symlinks)
    opts["ignore_unsigned_files"] = _flag(ignore_unsigned_files, "ignore_unsigned_files")
    _engines(opts, hasher, threads)
    return opts, _progress(progress)


# ---- the context -----------------------------------------------------------------------------


class Context:
    """Keeps libomsig's hashing engines between calls, for a program that checks many models.

    Thread-safe: any number of threads may call one Context at once (each call borrows an
    engine set of its own from a small pool).  One per process is enough; the module-level
    ``omsig.verify``, ``omsig.sign`` and ``omsig.digest`` use a shared one.
    """

    _KEEP = 8  # idle engine sets kept

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: List[_omsig.Ctx] = []

    def _borrow(self) -> "_omsig.Ctx":
        with self._lock:
            ctx = self._idle.pop() if self._idle else None
        return ctx if ctx is not None else _omsig.Ctx()

    def _give_back(self, ctx: "_omsig.Ctx") -> None:
        with self._lock:
            if len(self._idle) < self._KEEP:
                self._idle.append(ctx)

    def _run(self, op: int, opts: dict, progress: Optional[ProgressFn]) -> dict:
        ctx = self._borrow()
        try:
            return ctx.run(op, opts, progress)
        finally:
            self._give_back(ctx)

    def verify(self, model: PathLike, signature: PathLike, **kwargs) -> Result:
        """Verifies ``model`` against the bundle ``signature``; see :func:`omsig.verify`."""
        opts, progress = _verify_options(model, signature, **kwargs)
        r = _result("verify", self._run(_OP_VERIFY, opts, progress))
        if not r.ok:
            raise VerificationError(r)
        return r

    def sign(
        self,
        model: PathLike,
        signature: PathLike,
        *,
        method: Optional[str] = None,
        private_key: Optional[PathLike] = None,
        password: Union[str, bytes, None] = None,
        signing_certificate: Optional[PathLike] = None,
        certificate_chain: Union[PathLike, Iterable[PathLike], None] = None,
        pkcs11_uri: Optional[str] = None,
        pkcs11_pin: Optional[str] = None,
        ignore_paths: Union[PathLike, Iterable[PathLike], None] = None,
        ignore_git_paths: bool = True,
        allow_symlinks: bool = False,
        hash: str = "sha256",
        shard_size: Optional[int] = None,
        hasher: str = "auto",
        threads: Optional[int] = None,
        progress: Optional[ProgressFn] = None,
    ) -> Result:
        """Signs ``model`` and writes the bundle to ``signature``; see :func:`omsig.sign`."""
        opts: dict = {"model": _path(model, "model"), "signature": _path(signature, "signature")}
        if pkcs11_uri is not None:
            m = _infer(method, {"pkcs11-certificate": signing_certificate is not None,
                                "pkcs11-key": signing_certificate is None},
                       ("pkcs11-key", "pkcs11-certificate"), "pkcs11-key")
            if private_key is not None:
                raise ValueError("arguments of two methods given: private_key and pkcs11_uri")
            opts["pkcs11_uri"] = _text(pkcs11_uri, "pkcs11_uri")
            opts["pkcs11_pin"] = _text(pkcs11_pin, "pkcs11_pin")
        else:
            m = _infer(method, {"certificate": signing_certificate is not None,
                                "key": signing_certificate is None},
                       ("key", "certificate"), "key")
            if private_key is None:
                raise ValueError(f"the {m} method needs private_key (or pkcs11_uri)")
            opts["private_key"] = _path(private_key, "private_key")
            if isinstance(password, bytes):
                password = password.decode()
            opts["password"] = _text(password, "password")
        opts["method"] = _METHODS[m]
        if m.endswith("certificate"):
            if signing_certificate is None:
                raise ValueError(f"the {m} method needs signing_certificate")
            opts["signing_certificate"] = _path(signing_certificate, "signing_certificate")
            opts["certificate_chain"] = _paths(certificate_chain, "certificate_chain")
        elif certificate_chain:
            raise ValueError(f"certificate_chain is for the certificate methods, not {m}")
        _walk(opts, ignore_paths, ignore_git_paths, allow_symlinks)
        _serialization(opts, hash, shard_size)
        _engines(opts, hasher, threads)
        r = _result("sign", self._run(_OP_SIGN, opts, _progress(progress)))
        if not r.ok:
            raise SigningError(r)
        return r

    def digest(
        self,
        model: PathLike,
        *,
        hash: str = "sha256",
        shard_size: Optional[int] = None,
        ignore_paths: Union[PathLike, Iterable[PathLike], None] = None,
        ignore_git_paths: bool = True,
        allow_symlinks: bool = False,
        hasher: str = "auto",
        threads: Optional[int] = None,
        progress: Optional[ProgressFn] = None,
    ) -> Result:
        """Hashes ``model`` as signing would; see :func:`omsig.digest`."""
        opts: dict = {"model": _path(model, "model")}
        _walk(opts, ignore_paths, ignore_git_paths, allow_symlinks)
        _serialization(opts, hash, shard_size)
        _engines(opts, hasher, threads)
        r = _result("digest", self._run(_OP_DIGEST, opts, _progress(progress)))
        if not r.ok:
            raise DigestError(r)
        return r


def _serialization(opts: dict, hash: str, shard_size: Optional[int]) -> None:
    opts["hash"] = _choice(hash, _HASHES, "hash")
    size = _count(shard_size, "shard_size")
    if size is not None and hash == "blake3":
        raise ValueError("BLAKE3 hashes whole files: shard_size is for sha256 and blake2b")
    opts["serialization"] = 0 if size is None else 1
    if size is not None:
        opts["shard_size"] = size


_default = Context()


def verify(model: PathLike, signature: PathLike, **kwargs) -> Result:  # noqa: D417
    """Verifies a model against its signature bundle, in-process, with the GIL released.

    The method is named with ``method="key"|"certificate"|"sigstore"`` or inferred as the CLI
    infers it: ``public_key`` means key, ``certificate_chain`` certificate, ``identity`` /
    ``identity_provider`` (or nothing) sigstore.  Keywords: ``public_key``,
    ``certificate_chain`` (one path or several), ``log_fingerprints``,
    ``verify_time="now"|"signing"`` (when the chain must be valid: now, or at the leaf's
    notBefore as model_signing 1.1.1 checks it),
    ``identity``, ``identity_provider``, ``trust_config``, ``use_staging``, ``ignore_paths``
    (relative to the current directory or absolute, as ``--ignore-paths``),
    ``ignore_git_paths=True``, ``ignore_unsigned_files=False``, ``allow_symlinks=False``,
    ``hasher="auto"|"cpu"|"gpu"|"hybrid"``, ``threads`` (default: every core) and
    ``progress``, a callable taking (bytes done, bytes total), called from this thread at most
    ten times a second; an exception it raises stops the run and propagates.

    Returns a :class:`Result`; raises :class:`VerificationError` (a ``ValueError``) carrying
    the result when the model does not verify, ``TypeError``/``ValueError`` for bad arguments
    before any work.
    """
    return _default.verify(model, signature, **kwargs)


def sign(model: PathLike, signature: PathLike, **kwargs) -> Result:  # noqa: D417
    """Signs a model and writes the bundle atomically.

    Methods: ``key`` (``private_key``, ``password``), ``certificate`` (``private_key``,
    ``signing_certificate``, ``certificate_chain``), ``pkcs11-key`` (``pkcs11_uri``,
    ``pkcs11_pin``) and ``pkcs11-certificate`` (``pkcs11_uri``, ``signing_certificate``,
    ``certificate_chain``), named with ``method=`` or inferred from the arguments.  Also
    ``ignore_paths``, ``ignore_git_paths``, ``allow_symlinks``, ``hash="sha256"|"blake2b"|
    "blake3"``, ``shard_size`` (a shards manifest), ``hasher``, ``threads``, ``progress``.

    Returns a :class:`Result` (``root_digest`` is the signed root); raises
    :class:`SigningError`.
    """
    return _default.sign(model, signature, **kwargs)


def digest(model: PathLike, *, hash: str = "sha256", **kwargs) -> Result:  # noqa: D417
    """Hashes a model as signing would and returns a :class:`Result` whose ``root_digest`` is
    the hex root digest (``omsig digest`` prints it as ``sha256:<root>``).

    ``hash="sha256"|"blake2b"|"blake3"``, ``shard_size``, ``ignore_paths``,
    ``ignore_git_paths``, ``allow_symlinks``, ``hasher``, ``threads``, ``progress``.  Raises
    :class:`DigestError`.
    """
    return _default.digest(model, hash=hash, **kwargs)
