"""A bound select keeps its displayed label in the address: a link written in one language opens the same
choice in the other (pages.components.ui.accept_linked_label), on every page that translates one."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from nnlib.core import messages
from pages.components.i18n import _, session_language
from tests.app.conftest import app_test


def _tensors_source() -> Callable[[str], str]:
    return _


def _activations_shade() -> Callable[[str], str]:
    from pages.sections.activations import SHADE_CHOICES

    return lambda choice: _(SHADE_CHOICES[choice])


def _builder_sample_source() -> Callable[[str], str]:
    from pages.sections.builder import SAMPLE_SOURCES

    return lambda value: _(SAMPLE_SOURCES[value])


def _losses_preset() -> Callable[[str], str]:
    from nnlib.losses import PRESETS

    return lambda name: PRESETS[name].title


def _optimizers_surface() -> Callable[[str], str]:
    from nnlib.optimizers.surfaces import SURFACES

    return lambda key: SURFACES[key].name


def _training_optimizer() -> Callable[[str], str]:
    from nnlib.optimizers import OPTIMIZERS

    return lambda key: OPTIMIZERS[key].title


def _training_dataset() -> Callable[[str], str]:
    from nnlib.data.registry import FAMILIES

    return lambda key: FAMILIES[key].label


# (page, widget key, the choice a link names, how its label is written, the widget's kind)
LINKS = [
    ("pages/tensors.py", "tensors_source", "Use a factory", _tensors_source, "radio"),
    ("pages/activations.py", "activations_shade", "all", _activations_shade, "radio"),
    ("pages/builder.py", "builder_sample_source", "Typed", _builder_sample_source, "radio"),
    ("pages/losses.py", "losses_preset", "BCE — course example (004)", _losses_preset, "selectbox"),
    ("pages/optimizers.py", "optimizers_surface", "saddle", _optimizers_surface, "selectbox"),
    ("pages/training.py", "training_optimizer", "momentum", _training_optimizer, "selectbox"),
    ("pages/training.py", "training_dataset", "toy", _training_dataset, "radio"),
]


@pytest.fixture(autouse=True)
def pages_follow_the_session_language() -> Iterator[None]:
    """A page run on its own (no app.py) reads the session's language as app.py would have it."""
    messages.follow_session_language(session_language)
    yield
    messages.follow_session_language(None)


def label_in(language: str, label_of: Callable[[str], str], choice: str) -> str:
    with messages.in_language(language):
        return label_of(choice)


def opened(page: str, language: str, key: str, label: str):
    app = app_test(page, timeout=120)
    app.session_state["_language_chosen"] = language
    app.query_params[key] = label
    app.run()
    assert not app.exception
    return app


@pytest.mark.parametrize(("page", "key", "choice", "labels", "kind"), LINKS, ids=[link[1] for link in LINKS])
@pytest.mark.parametrize(("written_in", "opened_in"), [("ru", "en"), ("en", "ru")])
def test_a_link_written_in_one_language_opens_the_same_choice_in_the_other(
        page: str, key: str, choice: str, labels: Callable[[], Callable[[str], str]], kind: str,
        written_in: str, opened_in: str) -> None:
    label_of = labels()
    written, shown = label_in(written_in, label_of, choice), label_in(opened_in, label_of, choice)
    assert written != shown  # the label is translated: the link names it in the other language
    app = opened(page, opened_in, key, written)
    widget = getattr(app, kind)(key=key)
    assert widget.value == choice
    assert app.query_params[key] == shown  # the address now reads in this language: a reload keeps it

