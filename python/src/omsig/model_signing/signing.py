# SPDX-License-Identifier: Apache-2.0
"""model_signing's ``signing`` module: configure a signer, then ``sign(model, sig)``::

    signing.Config().use_elliptic_key_signer(private_key="key.pem").sign("finbert", "f.sig")

Keyless Sigstore signing is not offered (it needs an interactive OIDC flow).
"""

from __future__ import annotations

import os
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

_NO_SIGSTORE = ("omsig does not sign with Sigstore (keyless signing needs an interactive OIDC "
                "flow): use use_elliptic_key_signer, use_certificate_signer or a PKCS #11 "
                "signer, or model_signing itself for keyless signing")


def sign(model_path: hashing.PathLike, signature_path: hashing.PathLike) -> None:
    """Signs a model with the default configuration, which is Sigstore's: raises
    NotImplementedError, as omsig does not sign keyless."""
    Config().sign(model_path, signature_path)


class Config:
    """Configuration to use when signing models: the signer (elliptic key, certificate,
    PKCS #11 key or certificate) and the hashing configuration."""

    def __init__(self) -> None:
        """Initializes the default configuration for signing."""
        self._hashing_config = hashing.Config()
        self._signer: Optional[Dict[str, object]] = None

    def sign(self, model_path: hashing.PathLike, signature_path: hashing.PathLike) -> None:
        """Signs a model using the current configuration and writes the bundle."""
        if not self._signer:
            self.use_sigstore_signer()
        kwargs = dict(self._signer or {})
        kwargs.update(self._hashing_config._walk_options(model_path))
        kwargs.update(self._hashing_config._serialization_options())
        try:
            _api.sign(model_path, signature_path, **kwargs)
        except _api.Error as e:
            reraise(e)

    def set_hashing_config(self, hashing_config: hashing.Config) -> Self:
        """Sets the new configuration for hashing models."""
        self._hashing_config = hashing_config
        return self

    def use_sigstore_signer(self, **kwargs: object) -> Self:
        """Keyless signing with Sigstore: not offered by omsig; raises NotImplementedError."""
        raise NotImplementedError(_NO_SIGSTORE)

    def use_elliptic_key_signer(
        self, *, private_key: hashing.PathLike, password: Optional[str] = None
    ) -> Self:
        """Configures signing with an elliptic curve private key (PEM), encrypted with
        ``password`` (``str`` or ``bytes``) or not."""
        pathlib.Path(private_key).read_bytes()  # type: ignore[arg-type]
        if isinstance(password, bytes):
            password = password.decode()
        self._signer = {"method": "key", "private_key": private_key, "password": password}
        return self

    def use_certificate_signer(
        self,
        *,
        private_key: hashing.PathLike,
        signing_certificate: hashing.PathLike,
        certificate_chain: Iterable[hashing.PathLike],
    ) -> Self:
        """Configures signing with a private key and its certificate; ``certificate_chain``
        lists the certificates to embed after it."""
        chain = list(certificate_chain)
        for p in [private_key, signing_certificate, *chain]:
            pathlib.Path(p).read_bytes()  # type: ignore[arg-type]
        self._signer = {"method": "certificate", "private_key": private_key,
                        "signing_certificate": signing_certificate, "certificate_chain": chain}
        return self

    def use_pkcs11_signer(
        self, *, pkcs11_uri: str, module_paths: Iterable[str] = frozenset()
    ) -> Self:
        """Configures signing with an elliptic curve key in a PKCS #11 token, named by an
        RFC 7512 URI; ``module_paths`` are searched for the URI's module-name."""
        self._signer = {"method": "pkcs11-key",
                        "pkcs11_uri": _with_module(pkcs11_uri, module_paths)}
        return self

    def use_pkcs11_certificate_signer(
        self,
        *,
        pkcs11_uri: str,
        signing_certificate: pathlib.Path,
        certificate_chain: Iterable[pathlib.Path],
        module_paths: Iterable[str] = frozenset(),
    ) -> Self:
        """Configures signing with a key in a PKCS #11 token and its certificate."""
        self._signer = {"method": "pkcs11-certificate",
                        "pkcs11_uri": _with_module(pkcs11_uri, module_paths),
                        "signing_certificate": signing_certificate,
                        "certificate_chain": list(certificate_chain)}
        return self


def _with_module(uri: str, module_paths: Iterable[str]) -> str:
    """The URI with module-path= set to the module-name= found in one of module_paths, as
    model_signing searches them; the URI unchanged otherwise."""
    if not isinstance(uri, str):
        raise TypeError(f"pkcs11_uri must be a str, not {type(uri).__name__}")
    query = uri.partition("?")[2]
    params = dict(p.partition("=")[::2] for p in query.split("&") if p)
    name = params.get("module-name")
    if "module-path" in params or not name:
        return uri
    for d in module_paths:
        candidate = os.path.join(d, name)
        if os.path.isfile(candidate):
            return uri + "&module-path=" + candidate
    return uri
