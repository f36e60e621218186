"""UI pieces every page shares: the sidebar, tensor inputs with inline errors, tensors as tables.

Nothing here imports PyTorch at import time: the home page and the sidebar draw
before it is loaded (importing it takes seconds on a busy machine).
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import streamlit as st

from nnlib.core import messages
from nnlib.core.errors import InputError
from nnlib.core.messages import current_language
from nnlib.core.settings import get_settings
from pages.components.i18n import _
from pages.components.startup import loaded

if TYPE_CHECKING:
    import pandas as pd
    import torch

# Streamlit keeps a widget's value across page changes with persist_state="session" and
# mirrors it in the page URL with bind="query-params" (a link or a reload reopens the same
# example; values that do not fit the widget are ignored). Spread one of these into every
# input widget: SHARED for what a student types or picks, KEPT for machine-specific choices.
SHARED = {"bind": "query-params", "persist_state": "session"}
KEPT = {"persist_state": "session"}


def accept_linked_label(key: str, options: Iterable[Any], label_of: Callable[[Any], str]) -> None:
    """Keep a select with translated labels right across languages; call it just before the select.

    Within a session, after the language changes, the browser still holds the label it showed
    (``Saddle``) and would send it back on the next interaction as a new value: the select's value
    is set again here once per language, so the browser is handed the label in the new language.

    A link: a bound select keeps the label it shows in the address, and a translated label depends on the
    language: ``?optimizers_surface=Saddle`` opened in Russian, or a Russian link opened in English,
    would otherwise be ignored. Only a fresh session (a link, a reload) reads the address; within a
    session the widget keeps its value whatever the language. The address is rewritten to this
    language's label and the run starts again, so the widget takes it from the address as usual
    (and keeps it there for the next reload).
    """
    language = messages.current_language()
    shown_in = f"_{key}_language"
    if key in st.session_state:
        if st.session_state.get(shown_in, language) != language:
            st.session_state[key] = st.session_state[key]  # the browser gets this language's label
        st.session_state[shown_in] = language
        return
    st.session_state[shown_in] = language
    asked = st.query_params.get(key)
    if asked is None or asked in [label_of(option) for option in options]:
        return  # nothing asked, or a label of the current language: Streamlit takes it as usual
    for other in messages.languages():
        with messages.in_language(other):
            found = [option for option in options if label_of(option) == asked]
        if found:
            st.query_params[key] = label_of(found[0])
            st.rerun()


def torch_version() -> str:
    """PyTorch's version, read from its installed metadata while PyTorch itself is not loaded."""
    torch_module = loaded("torch")
    if torch_module is not None:
        return torch_module.__version__
    try:
        return importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return _("not installed")


def device_text(load: bool = False) -> str | None:
    """The label of the device PyTorch computes on; None while PyTorch is not loaded, unless ``load``."""
    device = loaded("nnlib.core.device")
    if device is None:
        if not load:
            return None
        import nnlib.core.device as device
    return device.device_label(device.detect_device())


def sidebar() -> Callable[[], None]:
    """Device and versions, shown on every page.

    The versions show at once; the device too once PyTorch is loaded. Before that (the
    first page of a fresh server) its place stays empty until the returned function is
    called, after the page is drawn: it loads PyTorch then and fills the place in.
    """
    with st.sidebar:
        st.caption(_("Computing on"))
        place = st.empty()
        label = device_text()
        if label is not None:
            place.markdown(f"**{label}**")
        st.caption(
            f"PyTorch {torch_version()} · Streamlit {st.__version__} · "
            f"Python {platform.python_version()}"
        )

    def show_device() -> None:
        if label is None:
            place.markdown(f"**{device_text(load=True)}**")

    return show_device


# What turns text into markup in st.error. Messages quote what a student typed (a token, a layer
# name), so these are neutralised; everything else stays as written (an AppTest reads this source):
# - code, math, strike-through and entity marks: escaped everywhere;
# - _ and *: escaped where they could open or close emphasis (notMNIST_small and A * B stay);
# - a link only as ](: its ( escaped;
# - emoji, colour and icon codes (:smile:, :red[, :material/home:): Streamlit reads some after
#   unescaping and drops the text of :red[ after a lone zero-width space, so a colon before a
#   letter gets both, a backslash and an invisible zero-width space.
# Line-start marks (#, -, 1.) cannot occur: every message starts with fixed words or a quote.
# Streamlit escapes HTML itself.
_INLINE_MARKS = re.compile(
    r"[\\`$~&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])|(?<!\s)\*|\*(?!\s)|(?<=\])\(|:(?=[A-Za-z])"
)


def plain_markdown(text: str) -> str:
    """Text that st.error shows exactly as typed: no bold from ``__import__``, no formula from
    ``$x$``, no link, emoji, colour or icon."""
    return _INLINE_MARKS.sub(lambda mark: "\\" + mark.group() + ("\u200b" if mark.group() == ":" else ""), text)


def show_input_error(error: InputError) -> None:
    # Messages quote what the student typed: show it as text, never as markdown. In the student's
    # language, named here until InputError.words itself defaults to the current one.
    st.error(plain_markdown(error.words(current_language())), icon=":material/error:")


def tensor_input(
    label: str,
    key: str,
    default: str,
    *,
    dtype: torch.dtype | str | None = None,
    help: str | None = None,
    height: int | None = 100,
) -> torch.Tensor | None:
    """A text area that parses into a tensor; on bad input shows why and returns None.

    The text is kept across page changes and mirrored in the URL (SHARED), and the
    widget itself stops at the character cap, so nothing typed is lost or executed.
    """
    from nnlib.core.parsing import parse_tensor

    text = st.text_area(label, value=default, key=key, help=help, height=height,
                        max_chars=get_settings().max_text_chars, **SHARED)
    try:
        return parse_tensor(text, dtype, field=label)
    except InputError as error:
        show_input_error(error)
        return None


def tensor_frame(
    tensor: torch.Tensor,
    *,
    vector: str = "column",
    column_prefix: str = "",
    row_prefix: str | None = None,
    decimals: int | None = None,
) -> pd.DataFrame:
    """A tensor as a table for st.dataframe / st.table, laid out by nnlib.core.formatting.tensor_table."""
    import pandas as pd

    from nnlib.core.formatting import tensor_table

    table = tensor_table(tensor, vector=vector, column_prefix=column_prefix, row_prefix=row_prefix, decimals=decimals)
    return pd.DataFrame(list(table.rows), columns=list(table.columns), index=None if table.index is None else list(table.index))
