# SPDX-License-Identifier: Apache-2.0
"""model_signing's ``verifying`` module: configure a verifier, then ``verify(model, sig)``::

    verifying.Config().use_certificate_verifier(certificate_chain=["root.pem"]).verify(
        "finbert", "finbert.sig")
"""

from __future__ import annotations

import pathlib
import sys
from typing import Dict, Iterable, Optional

from .. import _api
from . import hashing
from ._errors import reraise

if sys.version_info >= (3, 11):
    from typing import Self
else:  # pragma: no cover
    from typing_extensions import Self


class Config:
    """Configuration to use when verifying models against signatures: the method (sigstore,
    elliptic key, certificate) and, optionally, the hashing configuration."""

    def __init__(self) -> None:
        """Initializes the default configuration for verification."""
        self._hashing_config: Optional[hashing.Config] = None
        self._verifier: Optional[Dict[str, object]] = None
        self._ignore_unsigned_files = False

    def verify(self, model_path: hashing.PathLike, signature_path: hashing.PathLike) -> None:
        """Verifies that a model conforms to a signature.

        Raises:
            ValueError: No verifier has been configured, the signature does not verify, or
              the model differs from the signed one (``Signature mismatch: [...]``).
            OSError: a file cannot be read.
        """
        if self._verifier is None:
            raise ValueError("Attempting to verify with no configured verifier")
        kwargs = dict(self._verifier)
        kwargs["ignore_unsigned_files"] = bool(self._ignore_unsigned_files)
        if self._hashing_config is not None:
            kwargs.update(self._hashing_config._walk_options(model_path))
        try:
            _api.verify(model_path, signature_path, **kwargs)
        except _api.Error as e:
            reraise(e)

    def set_hashing_config(self, hashing_config: hashing.Config) -> Self:
        """Sets the hashing configuration: its ignored paths, git paths and symlink setting
        apply; the serialization is the one the signature records."""
        self._hashing_config = hashing_config
        return self

    def set_ignore_unsigned_files(self, ignore_unsigned_files: bool) -> Self:
        """Sets whether files that were not signed are to be ignored."""
        self._ignore_unsigned_files = ignore_unsigned_files
        return self

    def use_sigstore_verifier(
        self,
        *,
        identity: str,
        oidc_issuer: str,
        use_staging: bool = False,
        trust_config: Optional[pathlib.Path] = None,
    ) -> Self:
        """Configures the verification of keyless Sigstore bundles: the expected identity
        and OIDC issuer, staging or production, or a trust configuration file (without one,
        sigstore-python's cached trusted root or omsig's built-in copy; no network)."""
        self._verifier = {"method": "sigstore", "identity": identity,
                          "identity_provider": oidc_issuer, "use_staging": use_staging,
                          "trust_config": trust_config}
        return self

    def use_elliptic_key_verifier(self, *, public_key: hashing.PathLike) -> Self:
        """Configures the verification of bundles signed by an elliptic curve private key;
        ``public_key`` is the path to the matching public key (read now, as model_signing
        reads it)."""
        pathlib.Path(public_key).read_bytes()  # type: ignore[arg-type]
        self._verifier = {"method": "key", "public_key": public_key}
        return self

    def use_certificate_verifier(
        self,
        *,
        certificate_chain: Iterable[hashing.PathLike] = frozenset(),
        log_fingerprints: bool = False,
    ) -> Self:
        """Configures the verification of bundles signed with a certificate; every
        certificate in ``certificate_chain`` is a trust anchor."""
        chain = list(certificate_chain)
        for c in chain:
            pathlib.Path(c).read_bytes()  # type: ignore[arg-type]
        self._verifier = {"method": "certificate", "certificate_chain": chain,
                          "log_fingerprints": log_fingerprints}
        return self
