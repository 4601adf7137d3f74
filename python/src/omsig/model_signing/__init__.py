# SPDX-License-Identifier: Apache-2.0
"""model_signing 1.1.1's API over libomsig: ``from omsig import model_signing``.

``hashing.Config``, ``signing.Config`` and ``verifying.Config`` have the same methods, keyword
names, defaults, exceptions and messages as ``model_signing`` 1.1.1; the work is done by
:mod:`omsig` with the GIL released.  Differences are listed in the package's README.
"""

from . import hashing, signing, verifying

__all__ = ["hashing", "signing", "verifying"]
