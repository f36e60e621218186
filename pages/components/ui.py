"""UI pieces every page shares: the sidebar and tensor inputs with inline errors."""

from __future__ import annotations

import platform
import re

import streamlit as st
import torch

from nnlib.device import detect_device, device_label
from nnlib.errors import InputError
from nnlib.parsing import parse_tensor
from nnlib.settings import get_settings

# Streamlit keeps a widget's value across page changes with persist_state="session" and
# mirrors it in the page URL with bind="query-params" (a link or a reload reopens the same
# example; values that do not fit the widget are ignored). Spread one of these into every
# input widget: SHARED for what a student types or picks, KEPT for machine-specific choices.
SHARED = {"bind": "query-params", "persist_state": "session"}
KEPT = {"persist_state": "session"}


def sidebar() -> None:
    """Device and versions, shown on every page."""
    device = detect_device()
    with st.sidebar:
        st.caption("Computing on")
        st.markdown(f"**{device_label(device)}**")
        st.caption(
            f"PyTorch {torch.__version__} · Streamlit {st.__version__} · "
            f"Python {platform.python_version()}"
        )


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
    # Messages quote what the student typed: show it as text, never as markdown.
    st.error(plain_markdown(error.message), icon=":material/error:")


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
    text = st.text_area(label, value=default, key=key, help=help, height=height,
                        max_chars=get_settings().max_text_chars, **SHARED)
    try:
        return parse_tensor(text, dtype, field=label)
    except InputError as error:
        show_input_error(error)
        return None
