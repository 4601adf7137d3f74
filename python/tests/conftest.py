# SPDX-License-Identifier: Apache-2.0
"""Shared fixtures: the repository's test data, a fresh small model, the reference tool."""

import os
import pathlib
import shutil
import sys

import pytest

REPO = pathlib.Path(os.environ.get("OMSIG_REPO", pathlib.Path(__file__).resolve().parents[2]))
TESTDATA = REPO / "testdata"
PKI = TESTDATA / "pki"
INTEROP = TESTDATA / "interop"
VECTORS = pathlib.Path(os.environ.get("OMSIG_VECTORS", REPO.parent / "shared" / "vectors"))

# model_signing 1.1.1 from the reference virtualenv, after this one's packages
_REF_SITE = os.environ.get("OMSIG_REFERENCE_SITE")
if _REF_SITE and _REF_SITE not in sys.path:
    sys.path.append(_REF_SITE)


@pytest.fixture
def model(tmp_path):
    """A small model: nested files, an empty one, a git file the signer ignores."""
    m = tmp_path / "model"
    (m / "a" / "b").mkdir(parents=True)
    (m / "config.json").write_text('{"layers": 2}\n')
    (m / "a" / "weights.bin").write_bytes(bytes(range(256)) * 300)
    (m / "a" / "b" / "tokenizer.txt").write_text("hello\n" * 100)
    (m / "empty").write_bytes(b"")
    (m / ".gitattributes").write_text("* -text\n")
    return m


@pytest.fixture
def nested(tmp_path):
    """A copy of the interop sample model 'nested' with its reference-signed bundle."""
    m = tmp_path / "nested"
    shutil.copytree(INTEROP / "models" / "nested", m)
    return m
