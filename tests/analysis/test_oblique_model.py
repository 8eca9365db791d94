"""The learned oblique linker that `evaluate --method learned` scores: rebuilt from the labelled files."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.embeddings import Embedder
from analysis.evaluate import read_all_labelled
from analysis.oblique_model import LinkerWeights, shipped_linker, train_linker
from analysis.registry import load_registry
from tests.conftest import TESTS

SETS = [TESTS / "files" / name for name in ("devset", "devset_intl", "devset_v2")]


def test_retraining_from_the_labelled_files_gives_the_shipped_linker():
    """Compared by its weights within a tolerance: the last bits differ between CPUs."""
    embedder = Embedder()
    registry = load_registry(*(folder / "actors.json" for folder in SETS))
    items = read_all_labelled([folder / "items.jsonl" for folder in SETS])
    shipped = LinkerWeights.load()
    rebuilt = train_linker(registry, items, embedder, trained_on=shipped.trained_on).weights
    assert rebuilt.model_id == shipped.model_id == embedder.model_id
    assert np.allclose(rebuilt.weights, shipped.weights, atol=1e-3)
    assert rebuilt.bias == pytest.approx(shipped.bias, abs=1e-3)


def test_the_shipped_linker_refuses_vectors_of_another_model():
    class OtherModel:
        model_id = "some-other-model"

    with pytest.raises(ValueError, match="trained on"):
        shipped_linker(load_registry(), OtherModel())
