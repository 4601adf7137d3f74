# SPDX-License-Identifier: Apache-2.0
"""model_signing's ``hashing`` module: how a model is serialized and which paths are ignored.

The configuration is shared between signing and verification, as in ``model_signing``::

    hashing_config = hashing.Config().set_ignored_paths(paths=["README.md"])
"""

from __future__ import annotations

import os
import pathlib
import sys
from typing import Dict, Iterable, List, Literal, Optional, Union

if sys.version_info >= (3, 11):
    from typing import Self
else:  # pragma: no cover
    from typing_extensions import Self

PathLike = Union[str, bytes, os.PathLike]
"""A path: ``str``, ``bytes`` or ``os.PathLike`` (as in model_signing)."""

_HASHES = {"sha256": "sha256", "blake2": "blake2b", "blake3": "blake3"}


class Config:
    """Configuration to use when hashing models: the serialization (files or shards), the hash
    (sha256, blake2, blake3) and the paths to ignore (by default the git files)."""

    def __init__(self) -> None:
        """Initializes the default configuration for hashing."""
        self._ignored_paths: frozenset = frozenset()
        self._ignore_git_paths = True
        self._allow_symlinks = False
        self.use_file_serialization()

    def _check_hash(self, hashing_algorithm: str) -> None:
        if hashing_algorithm not in _HASHES:
            raise ValueError(f"Unsupported hashing method {hashing_algorithm}")

    def use_file_serialization(
        self,
        *,
        hashing_algorithm: Literal["sha256", "blake2", "blake3"] = "sha256",
        chunk_size: int = 1048576,
        max_workers: Optional[int] = None,
        allow_symlinks: bool = False,
        ignore_paths: Iterable[pathlib.Path] = frozenset(),
    ) -> Self:
        """Configures serialization to build a manifest of (file, hash) pairs.

        ``chunk_size`` is accepted and has no effect (omsig reads in its own units);
        ``max_workers`` bounds the hashing threads.
        """
        self._check_hash(hashing_algorithm)
        self._method = "files"
        self._hash = hashing_algorithm
        self._shard_size: Optional[int] = None
        self._max_workers = max_workers
        self._allow_symlinks = allow_symlinks
        self._serializer_ignored = frozenset(pathlib.Path(p) for p in ignore_paths)
        return self

    def use_shard_serialization(
        self,
        *,
        hashing_algorithm: Literal["sha256", "blake2", "blake3"] = "sha256",
        chunk_size: int = 1048576,
        shard_size: int = 1_000_000_000,
        max_workers: Optional[int] = None,
        allow_symlinks: bool = False,
        ignore_paths: Iterable[pathlib.Path] = frozenset(),
    ) -> Self:
        """Configures serialization to build a manifest of (shard, hash) pairs; for BLAKE3
        this is file serialization, as in model_signing."""
        self.use_file_serialization(hashing_algorithm=hashing_algorithm,
                                    chunk_size=chunk_size, max_workers=max_workers,
                                    allow_symlinks=allow_symlinks, ignore_paths=ignore_paths)
        if hashing_algorithm != "blake3":
            self._method = "shards"
            self._shard_size = shard_size
        return self

    def set_ignored_paths(
        self, *, paths: Iterable[PathLike], ignore_git_paths: bool = True
    ) -> Self:
        """Configures the paths, relative to the model directory, to be ignored; a directory
        is ignored with everything below it."""
        self._ignored_paths = frozenset(pathlib.Path(os.fsdecode(p)) for p in paths)
        self._ignore_git_paths = ignore_git_paths
        return self

    def add_ignored_paths(self, *, model_path: PathLike, paths: Iterable[PathLike]) -> None:
        """Adds paths, relative to the model directory, to the ignored ones."""
        model = pathlib.Path(os.fsdecode(model_path))
        kept = set(self._ignored_paths)
        for p in paths:
            candidate = pathlib.Path(os.fsdecode(p))
            try:
                (model / candidate).relative_to(model)
            except ValueError:
                continue
            kept.add(candidate)
        self._ignored_paths = frozenset(kept)

    def set_allow_symlinks(self, allow_symlinks: bool) -> Self:
        """Sets whether following symlinks is allowed."""
        self._allow_symlinks = allow_symlinks
        return self

    # ---- for signing and verifying ----------------------------------------------------------

    def _ignore_list(self, model_path: PathLike) -> List[str]:
        """The ignored paths joined to the model directory; those outside it are dropped."""
        model = pathlib.Path(os.fsdecode(model_path))
        out = []
        for p in sorted(self._ignored_paths | self._serializer_ignored):
            full = model / p
            try:
                full.relative_to(model)
            except ValueError:
                continue
            out.append(str(full))
        return out

    def _walk_options(self, model_path: PathLike) -> Dict[str, object]:
        return {
            "ignore_paths": self._ignore_list(model_path),
            "ignore_git_paths": bool(self._ignore_git_paths),
            "allow_symlinks": bool(self._allow_symlinks),
            "threads": self._max_workers,
        }

    def _serialization_options(self) -> Dict[str, object]:
        return {"hash": _HASHES[self._hash], "shard_size": self._shard_size}
