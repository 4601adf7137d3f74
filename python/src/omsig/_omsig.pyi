# SPDX-License-Identifier: Apache-2.0
"""Type stubs of the C extension (see _omsig.c)."""
from typing import Any, Callable, List, Optional, Tuple

LIBRARY_VERSION: str

class Ctx:
    """An omsig_ctx: the hashing engines kept between calls; one call at a time."""
    def run(self, op: int, options: dict, progress: Optional[Callable[[int, int], Any]]) -> dict:
        """Runs verify (0), sign (1) or digest (2) and returns the report as a dict."""
    def load_into(self, options: dict, files: List[Tuple[bytes, bytes, int, Optional[str]]],
                  progress: Optional[Callable[[int, int], Any]]
                  ) -> Tuple[dict, Optional[List[Optional[Buffer]]], str]:
        """Verified load of each (name, header, size, error) file's data area into a Buffer."""
    def open_stream(self, options: dict) -> Stream:
        """Starts a verified load whose pieces are taken one at a time."""

class Buffer:
    """Verified bytes: a writable buffer, freed with its last view."""

class Stream:
    """A verified load's pieces, one at a time (see _verified.c)."""
    def next(self) -> Optional[Tuple[str, int, memoryview]]: ...
    def close(self) -> None: ...
    def result(self) -> dict: ...
    def ended(self) -> bool: ...
    def progress(self) -> Optional[Tuple[int, int]]: ...

def strerror(status: int) -> str:
    """omsig_strerror(status)."""

def build_features() -> str:
    """omsig_build_features()."""

def gpu_available() -> bool:
    """omsig_gpu_available()."""
