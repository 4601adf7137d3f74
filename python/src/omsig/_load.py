# SPDX-License-Identifier: Apache-2.0
"""Verified load: what Python receives is exactly what was hashed, read from disk once.

``open_verified`` hands out the pieces of the covered files as the library hashes them;
``load_safetensors`` fills arrays from them.  Both verify as :func:`omsig.verify` does and
give the verdict last: nothing received may be kept unless it is success.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
from typing import Dict, Iterator, List, Optional, Tuple

from . import _omsig
from ._api import (
    Context,
    PathLike,
    ProgressFn,
    Result,
    VerificationError,
    _default,
    _result,
    _verify_options,
)

_PROGRESS_PERIOD = 0.1


class LoadError(VerificationError):
    """A verified model could not be loaded: a malformed safetensors header, a file changed
    after its header was read, a tensor name in two files.  Nothing was returned."""

    def __init__(self, result: Result, message: str):
        super().__init__(dataclasses.replace(result, message=message))


# ---- open_verified ----------------------------------------------------------------------------


class VerifiedPieces(Iterator[Tuple[str, int, memoryview]]):
    """The pieces of a verified load, as ``(name, offset, memoryview)``; see
    :func:`omsig.open_verified`.  Also a context manager that stops the run on exit."""

    def __init__(self, context: Context, opts: dict, progress: Optional[ProgressFn]):
        self._context = context
        self._ctx = context._borrow()
        self._progress = progress
        self._last = time.monotonic()
        self._told: Optional[Tuple[int, int]] = None
        self.result: Optional[Result] = None
        """The verify result, once iteration completed (it raised otherwise)."""
        try:
            self._stream = self._ctx.open_stream(opts)
        except BaseException:
            context._give_back(self._ctx)
            raise

    def __iter__(self) -> "VerifiedPieces":
        return self

    def __next__(self) -> Tuple[str, int, memoryview]:
        if self._stream is None:
            raise StopIteration
        try:
            piece = self._stream.next()
            if piece is not None:
                self._tick()
                return piece
            r = _result("verify", self._stream.result())
            self.close()
            if not r.ok:
                raise VerificationError(r)
            self.result = r
            if self._progress is not None and self._told != (r.bytes, r.bytes):
                self._progress(r.bytes, r.bytes)
        except BaseException:
            self.close()
            raise
        raise StopIteration

    def _tick(self) -> None:
        """Calls the progress callable, at most ten times a second."""
        if self._progress is None:
            return
        now = time.monotonic()
        if now - self._last < _PROGRESS_PERIOD:
            return
        p = self._stream.progress()
        if p is not None and p != self._told:
            self._last, self._told = now, p
            self._progress(*p)

    def close(self) -> None:
        """Stops the run if it is going (the verdict is then never reached) and waits for it;
        a view of a piece still held somewhere keeps its slot until it goes."""
        s, self._stream = self._stream, None
        if s is None:
            return
        s.close()
        if s.ended():
            self._context._give_back(self._ctx)
        self._ctx = None

    def __enter__(self) -> "VerifiedPieces":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_stream", None) is not None:
            self.close()


def open_verified(model: PathLike, signature: PathLike, **kwargs) -> VerifiedPieces:  # noqa: D417
    """Verifies a model and hands out the bytes the signature covers as they are hashed: an
    iterator of ``(name, offset, memoryview)``, for loaders of any format.

    The keywords are :func:`omsig.verify`'s.  The signature is checked before the first piece;
    only files (or shards) the signed manifest covers come, each byte once: ``name`` is the
    file's path in the model (``/``-separated; a single-file model's file name), ``offset``
    the piece's place in the file.  The pieces of a file come in increasing offset (for a
    shards manifest, and for large BLAKE3 files, in increasing offset within each shard or
    part, which may interleave); pieces of different files interleave.

    The memoryview is read-only and points into the library's read buffer, without a copy: it
    is valid until the iterator moves on, then released.  Copy what you keep
    (``bytes(view)``, ``dest[a:b] = view``); a slice or an array made from the view that is
    still alive when the iterator moves on raises ``BufferError`` and stops the run.

    The verdict comes last: when the model does not verify, the iteration raises
    :class:`VerificationError` after the last piece.  Keep nothing unless the iteration
    completed without an exception (then ``.result`` holds the verify result).  Leaving the
    loop early (``break``, an exception) stops the run; use ``with`` to stop it at once::

        with omsig.open_verified("model", "model.sig", public_key="key.pub") as pieces:
            for name, offset, view in pieces:
                files[name][offset:offset + len(view)] = view
    """
    opts, progress = _verify_options(model, signature, **kwargs)
    return VerifiedPieces(_default, opts, progress)


# ---- the safetensors header ---------------------------------------------------------------------

MAX_HEADER = 100_000_000
"""The longest safetensors header accepted, in bytes (as the safetensors library)."""

DTYPE_SIZES = {
    "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
    "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
    "I32": 4, "U32": 4, "F32": 4,
    "I64": 8, "U64": 8, "F64": 8, "C64": 8,
}
"""The safetensors dtypes loaded, with their sizes in bytes."""
_SUB_BYTE = ("F4", "F6_E2M3", "F6_E3M2")

_ENTRY_KEYS = {"dtype", "shape", "data_offsets"}


@dataclasses.dataclass(frozen=True)
class TensorEntry:
    """One tensor of a safetensors header."""

    name: str
    dtype: str
    shape: Tuple[int, ...]
    begin: int
    """Offset of the first byte in the data area (after the header)."""
    end: int


@dataclasses.dataclass(frozen=True)
class SafetensorsHeader:
    """A parsed, checked safetensors header."""

    header_bytes: bytes
    """The file's first bytes: the 8-byte length and the JSON."""
    tensors: List[TensorEntry]
    """In increasing offset."""
    metadata: Dict[str, str]
    data_size: int
    """The data area's size: the file is ``len(header_bytes) + data_size`` bytes."""


class HeaderError(ValueError):
    """A safetensors header that is not well formed."""


def _no_duplicates(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise HeaderError(f"key {k!r} appears twice")
        d[k] = v
    return d


def _no_constant(name):
    raise HeaderError(f"{name} is not JSON")


def _int(v, what) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise HeaderError(f"{what} must be an integer, not {v!r}")
    if v < 0:
        raise HeaderError(f"{what} must not be negative: {v}")
    return v


def _entry(name: str, e: object, data_area: int) -> TensorEntry:
    if not isinstance(e, dict):
        raise HeaderError(f"tensor {name!r}: its entry is not an object")
    if set(e) != _ENTRY_KEYS:
        extra, missing = set(e) - _ENTRY_KEYS, _ENTRY_KEYS - set(e)
        raise HeaderError(f"tensor {name!r}: " + (f"unknown key {sorted(extra)[0]!r}" if extra
                                                   else f"no {sorted(missing)[0]!r}"))
    dtype = e["dtype"]
    if dtype not in DTYPE_SIZES:
        if dtype in _SUB_BYTE:
            raise HeaderError(f"tensor {name!r}: dtype {dtype} (under a byte) is not supported")
        raise HeaderError(f"tensor {name!r}: unknown dtype {dtype!r}")
    shape = e["shape"]
    if not isinstance(shape, list):
        raise HeaderError(f"tensor {name!r}: shape must be a list, not {shape!r}")
    shape = tuple(_int(d, f"tensor {name!r}: a dimension") for d in shape)
    offs = e["data_offsets"]
    if not isinstance(offs, list) or len(offs) != 2:
        raise HeaderError(f"tensor {name!r}: data_offsets must be [begin, end], not {offs!r}")
    begin, end = (_int(x, f"tensor {name!r}: data_offsets") for x in offs)
    if begin > end:
        raise HeaderError(f"tensor {name!r}: data_offsets [{begin}, {end}] end before they "
                          f"begin")
    if end > data_area:
        raise HeaderError(f"tensor {name!r}: data_offsets [{begin}, {end}] run past the data "
                          f"area ({data_area} bytes)")
    need = math.prod(shape) * DTYPE_SIZES[dtype]
    if end - begin != need:
        raise HeaderError(f"tensor {name!r}: data_offsets [{begin}, {end}] hold {end - begin} "
                          f"bytes; {dtype} of shape {list(shape)} is {need}")
    return TensorEntry(name, dtype, shape, begin, end)


def parse_header(head: bytes, file_size: int) -> SafetensorsHeader:
    """Checks a safetensors header as strictly as the format allows.

    ``head`` is the file's first ``8 + n`` bytes (at least the first 8), ``file_size`` the
    file's size.  Raises :class:`HeaderError` naming what is wrong: a header longer than
    :data:`MAX_HEADER` or than the file, JSON that is not UTF-8 or not an object, a key twice,
    an unknown dtype, a shape that is not a list of non-negative integers, data_offsets out of
    the data area, overlapping, leaving a gap, or not the size dtype and shape need.
    """
    if len(head) < 8 or file_size < 8:
        raise HeaderError(f"the file is {file_size} bytes: shorter than a header's length")
    n = int.from_bytes(head[:8], "little")
    if n > MAX_HEADER:
        raise HeaderError(f"the header's length {n} is over the {MAX_HEADER} bytes allowed")
    if 8 + n > file_size:
        raise HeaderError(f"the header's length {n} runs past the end of the file "
                          f"({file_size} bytes)")
    if len(head) < 8 + n:
        raise HeaderError(f"the header is {len(head) - 8} bytes, shorter than its length {n}")
    raw = head[8:8 + n]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise HeaderError(f"the header is not UTF-8 ({e.reason} at byte {e.start})") from None
    if not text.startswith("{"):
        raise HeaderError("the header is not a JSON object")
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise HeaderError(f"the header is not JSON: {e}") from None
    if not isinstance(obj, dict):
        raise HeaderError("the header is not a JSON object")
    data_area = file_size - 8 - n
    meta = obj.pop("__metadata__", {})
    if meta is None:
        meta = {}
    if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                             for k, v in meta.items()):
        raise HeaderError("__metadata__ must map strings to strings")
    tensors = sorted((_entry(k, v, data_area) for k, v in obj.items()),
                     key=lambda t: (t.begin, t.end))
    at, prev = 0, None
    for t in tensors:
        if t.begin < at:
            raise HeaderError(f"tensors {prev.name!r} and {t.name!r} overlap (bytes "
                              f"[{t.begin}, {min(at, t.end)}) of the data area)")
        if t.begin > at:
            raise HeaderError(f"bytes [{at}, {t.begin}) of the data area belong to no tensor")
        at, prev = t.end, t
    if at != data_area:
        raise HeaderError(f"bytes [{at}, {data_area}) of the data area belong to no tensor")
    return SafetensorsHeader(bytes(head[:8 + n]), tensors, meta, data_area)


def read_header(path: bytes) -> SafetensorsHeader:
    """Reads and checks the header of the safetensors file at ``path`` (see
    :func:`parse_header`); raises :class:`HeaderError` or ``OSError``."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(8)
        if len(head) == 8:
            n = int.from_bytes(head, "little")
            if n <= MAX_HEADER and 8 + n <= size:
                head += f.read(n)
        return parse_header(head, size)


# ---- load_safetensors -------------------------------------------------------------------------


def _safetensors_files(model: bytes, follow: bool) -> List[Tuple[bytes, bytes]]:
    """(name as the manifest names it, path) of every .safetensors file of the model."""
    if not os.path.isdir(model):
        base = os.path.basename(model.rstrip(b"/"))
        return [(base, model)] if base.endswith(b".safetensors") else []
    out = []
    for d, dirs, files in os.walk(model, followlinks=follow):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(b".safetensors"):
                p = os.path.join(d, f)
                out.append((os.path.relpath(p, model).replace(os.sep.encode(), b"/"), p))
    return out


def _numpy_dtypes(np):
    table = {"BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "I16": np.int16,
             "U16": np.uint16, "F16": np.float16, "I32": np.int32, "U32": np.uint32,
             "F32": np.float32, "I64": np.int64, "U64": np.uint64, "F64": np.float64,
             "C64": np.complex64}
    try:  # bfloat16 and float8 for numpy, where installed
        import ml_dtypes
    except ImportError:
        return table
    for k, v in (("BF16", "bfloat16"), ("F8_E5M2", "float8_e5m2"),
                 ("F8_E4M3", "float8_e4m3fn"), ("F8_E8M0", "float8_e8m0fnu")):
        if hasattr(ml_dtypes, v):
            table[k] = getattr(ml_dtypes, v)
    return table


def _torch_dtypes(torch):
    names = {"BOOL": "bool", "U8": "uint8", "I8": "int8", "F8_E5M2": "float8_e5m2",
             "F8_E4M3": "float8_e4m3fn", "F8_E8M0": "float8_e8m0fnu", "I16": "int16",
             "U16": "uint16", "F16": "float16", "BF16": "bfloat16", "I32": "int32",
             "U32": "uint32", "F32": "float32", "I64": "int64", "U64": "uint64",
             "F64": "float64", "C64": "complex64"}
    return {k: getattr(torch, v) for k, v in names.items() if hasattr(torch, v)}


def load_safetensors(model: PathLike, signature: PathLike, *, device: str = "cpu",  # noqa: D417
                     framework: Optional[str] = None, **kwargs) -> dict:
    """Verifies a model and loads the tensors of every ``.safetensors`` file of it from the
    same read: a dict of tensor name to array, or an exception and nothing.

    The keywords are :func:`omsig.verify`'s.  ``framework="np"`` (the default on the CPU)
    gives numpy arrays; ``framework="pt"`` (the default for another ``device``) torch
    tensors on ``device``.  numpy is needed either way; BF16 and float8 tensors need
    ``ml_dtypes`` for numpy.

    Each file's header is read and checked strictly (see :func:`parse_header`) before the run;
    during the run the verified header bytes are compared with the ones parsed, and the
    tensors' bytes are copied once, from the library's read buffers, into one buffer per file,
    of which the arrays are views.  Peak memory is the arrays and the read buffers.  Files
    the signed manifest does not cover (ignored, unsigned) are not loaded; other files are
    verified and not loaded.

    Raises :class:`VerificationError` when the model does not verify, :class:`LoadError` (a
    ``VerificationError``) when a covered file is not well-formed safetensors, changed after
    its header was read, or two files hold a tensor of the same name; nothing is returned and
    nothing built is kept.
    """
    try:
        import numpy as np
    except ImportError:
        raise ImportError("omsig.load_safetensors needs numpy (pip install numpy)") from None
    if not isinstance(device, str):
        raise TypeError(f"device must be a str, not {type(device).__name__}")
    if framework is None:
        framework = "np" if device == "cpu" else "pt"
    if framework not in ("np", "pt"):
        raise ValueError(f"framework must be 'np' or 'pt', not {framework!r}")
    if framework == "np" and device != "cpu":
        raise ValueError(f"numpy arrays live on the CPU: device={device!r} needs framework='pt'")
    torch = None
    if framework == "pt":
        try:
            import torch
        except ImportError:
            raise ImportError("framework='pt' needs torch (pip install torch)") from None
        dtypes = _torch_dtypes(torch)
    else:
        dtypes = _numpy_dtypes(np)
    opts, progress = _verify_options(model, signature, **kwargs)

    names, headers, files = [], [], []
    for name, path in _safetensors_files(opts["model"], bool(opts["allow_symlinks"])):
        shown = os.fsdecode(name)
        try:
            h = read_header(path)
        except (HeaderError, OSError) as e:  # refused if the manifest covers the file
            try:
                size = os.stat(path).st_size
            except OSError:
                size = 0
            files.append((name, b"", size, f"'{shown}': safetensors header: {e}"))
            h = None
        else:
            for t in h.tensors:
                if t.dtype not in dtypes:
                    hint = "ml_dtypes" if framework == "np" else "a newer torch"
                    raise TypeError(f"'{shown}': tensor {t.name!r} is {t.dtype}, which "
                                    f"{'numpy' if framework == 'np' else 'torch'} has no "
                                    f"dtype for here (install {hint})")
            files.append((name, h.header_bytes, len(h.header_bytes) + h.data_size, None))
        names.append(shown)
        headers.append(h)

    ctx = _default._borrow()
    try:
        report, buffers, why = ctx.load_into(opts, files, progress)
    finally:
        _default._give_back(ctx)
    r = _result("verify", report)
    if why:
        raise LoadError(r, why)
    if not r.ok:
        raise VerificationError(r)

    out: dict = {}
    where: Dict[str, str] = {}
    try:
        for shown, h, buf in zip(names, headers, buffers):
            if buf is None:
                continue
            for t in h.tensors:
                if t.name in where:
                    raise LoadError(r, f"tensor {t.name!r} is in both '{where[t.name]}' and "
                                       f"'{shown}'")
                where[t.name] = shown
                out[t.name] = _array(np, torch, dtypes[t.dtype], buf, t, device)
    except BaseException:
        out.clear()
        raise
    return out


def _array(np, torch, dtype, buf, t: TensorEntry, device: str):
    count = math.prod(t.shape)
    if torch is not None:
        if count == 0:
            a = torch.empty(t.shape, dtype=dtype)
        else:
            a = torch.frombuffer(buf, dtype=dtype, count=count, offset=t.begin).reshape(t.shape)
        return a if device == "cpu" else a.to(device)
    if count == 0:
        return np.empty(t.shape, dtype=dtype)
    return np.frombuffer(buf, dtype=dtype, count=count, offset=t.begin).reshape(t.shape)
