# SPDX-License-Identifier: Apache-2.0
"""Type stubs of the C extension (see _omsig.c)."""
from typing import Any, Callable, Optional

LIBRARY_VERSION: str

class Ctx:
    """An omsig_ctx: the hashing engines kept between calls; one call at a time."""
    def run(self, op: int, options: dict, progress: Optional[Callable[[int, int], Any]]) -> dict:
        """Runs verify (0), sign (1) or digest (2) and returns the report as a dict."""

def strerror(status: int) -> str:
    """omsig_strerror(status)."""

def build_features() -> str:
    """omsig_build_features()."""

def gpu_available() -> bool:
    """omsig_gpu_available()."""
