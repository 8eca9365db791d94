"""Fixtures of the analysis tests: the shipped registry and a reader over it, loaded once."""

from __future__ import annotations

import pytest

from analysis.reading import Reader
from analysis.registry import load_registry


@pytest.fixture(scope="session")
def registry():
    return load_registry()


@pytest.fixture(scope="session")
def reader(registry):
    return Reader(registry)
