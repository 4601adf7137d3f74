# SPDX-License-Identifier: Apache-2.0
"""omsig: verify and sign ML models in the OpenSSF Model Signing (OMS) format, in-process.

A binding of libomsig (C): the signature is checked before a byte of the model is read, then
every core hashes with the GIL released.  ``omsig.verify``, ``omsig.sign`` and
``omsig.digest`` are the native API; ``omsig.open_verified`` and ``omsig.load_safetensors``
verify and load from the same read; ``omsig.model_signing`` has ``model_signing`` 1.1.1's
API under the same names (``from omsig import model_signing``).
"""

from . import _omsig
from ._api import (
    Context,
    DigestError,
    Error,
    PathLike,
    Problem,
    Result,
    SigningError,
    Status,
    VerificationError,
    digest,
    sign,
    verify,
)
from ._load import LoadError, VerifiedPieces, load_safetensors, open_verified

__version__ = _omsig.LIBRARY_VERSION
"""The version of libomsig in this package."""


def build_features() -> str:
    """What the linked libomsig holds: ``"cuda "``, ``"io_uring "``, ``"pkcs11 "``, joined."""
    return _omsig.build_features()


def gpu_available() -> bool:
    """Whether the GPU engine is built in and a CUDA device is present."""
    return _omsig.gpu_available()


__all__ = [
    "Context", "DigestError", "Error", "LoadError", "PathLike", "Problem", "Result",
    "SigningError", "Status", "VerificationError", "VerifiedPieces", "build_features",
    "digest", "gpu_available", "load_safetensors", "open_verified", "sign", "verify",
]
