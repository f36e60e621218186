"""UI pieces every page shares: the sidebar and tensor inputs with inline errors."""

from __future__ import annotations

import platform

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


def show_input_error(error: InputError) -> None:
    st.error(error.message, icon=":material/error:")


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
