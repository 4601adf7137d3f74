# SPDX-License-Identifier: Apache-2.0
"""The exceptions model_signing raises, rebuilt from an omsig failure."""

from __future__ import annotations

import re

from .._api import Error

_OS_ERROR = re.compile(r"^\[Errno (\d+)\] (.+?): '(.*)'$", re.S)


def reraise(e: Error) -> None:
    """Raises what model_signing raises for the same failure: the OSError of a file that
    cannot be read (``[Errno 2] No such file or directory: 'x'``), else ``e`` itself (a
    ValueError with the reference's message)."""
    m = _OS_ERROR.match(str(e))
    if m:
        err = OSError(int(m.group(1)), m.group(2), m.group(3))
        err.result = e.result  # type: ignore[attr-defined]
        raise err from None
    raise e from None
