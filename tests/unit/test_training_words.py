"""The Training page's engine text in the reader's language: the sized networks' titles and descriptions,
the comments of the code that reproduces a run; English stays as it was."""

from __future__ import annotations

from nnlib.core import messages
from nnlib.training.networks import DATA_NETWORKS, SIZED_NETWORKS
from nnlib.training.recipes import default_config, reproduce_code


def test_sized_networks_read_in_the_current_language() -> None:
    playground = SIZED_NETWORKS["playground"]
    assert playground.title == "Playground 2 → 8 → 8 → classes (Tanh)"
    assert playground.description.startswith("TensorFlow Playground's look: two hidden layers of 8 Tanh units")
    with messages.in_language("ru"):
        assert playground.title == "Playground 2 → 8 → 8 → классы (Tanh)"
        assert playground.description.startswith("Как в TensorFlow Playground")
        for network in [*SIZED_NETWORKS.values(), *DATA_NETWORKS.values()]:
            assert not network.title.startswith("training.") and not network.description.startswith("training.")
    assert playground.title == "Playground 2 → 8 → 8 → classes (Tanh)"  # read again: English again


def test_reproduce_code_comments_follow_the_language_and_the_code_stays_english() -> None:
    config = default_config("moons")
    english = reproduce_code(config)
    assert "# Dataset: moons; X_train, y_train, X_val, y_val as float32 / int64 tensors" in english
    assert "# made by nnlib.data.toy.make_toy_dataset('moons', samples=400" in english
    with messages.in_language("ru"):
        russian = reproduce_code(config)
    assert "# Набор данных: moons; X_train, y_train, X_val, y_val — тензоры float32 / int64" in russian
    assert "# получен вызовом nnlib.data.toy.make_toy_dataset('moons', samples=400" in russian
    code = [line for line in english.splitlines() if not line.startswith("#")]
    assert code == [line for line in russian.splitlines() if not line.startswith("#")]
