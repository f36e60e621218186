"""UI pieces every page shares: the sidebar and tensor inputs with inline errors."""

from __future__ import annotations

import json
import platform
from dataclasses import dataclass

import streamlit as st
import torch

from nnlib.device import detect_device, device_label
from nnlib.errors import InputError
from nnlib.parsing import parse_tensor


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

    The text stays in the widget (keyed in session state), so nothing typed is lost.
    """
    text = st.text_area(label, value=default, key=key, help=help, height=height)
    try:
        return parse_tensor(text, dtype, field=label)
    except InputError as error:
        show_input_error(error)
        return None


# Widget kinds whose value a script may set (buttons, uploads and editors may not).
_KEEPABLE_VALUE_TYPES = {
    "string_value", "int_value", "double_value", "bool_value",
    "string_array_value", "int_array_value", "double_array_value",
}
_PLAIN_TYPES = (str, int, float, bool, list, tuple, type(None))


def keep_widget_state() -> None:
    """Keep every page's inputs when the student visits another page and comes back.

    Streamlit forgets a widget's value when a run does not draw it. Writing each kept
    value back through the Session State API (from the entry point, before the page
    runs) makes it ordinary state that survives page changes. Only plain-valued input
    widgets are touched: buttons, uploads and data editors may not be written.
    """
    state = st.session_state
    try:
        internal = state._state  # noqa: SLF001 - no public way to ask a key's widget kind
        metadata = internal._new_widget_state.widget_metadata
        key_to_id = internal._key_id_mapper
    except AttributeError:
        return
    for key in list(state.keys()):
        if not isinstance(key, str) or key.startswith("_"):
            continue
        try:
            widget_id = key_to_id.get_id_from_key(key)
        except (KeyError, AttributeError):
            continue
        meta = metadata.get(widget_id) if widget_id else None
        if meta is None or meta.value_type not in _KEEPABLE_VALUE_TYPES:
            continue
        value = state[key]
        if isinstance(value, _PLAIN_TYPES):
            state[key] = value


@dataclass(frozen=True)
class Between:
    """A number restored from a URL must be of this type and within [low, high]."""

    kind: type
    low: float
    high: float


_URL_VALUE_LIMIT = 2000  # characters of one encoded value; longer inputs stay out of the link


def share_in_url(keys: dict[str, type | tuple[type, ...] | list | Between]) -> None:
    """Mirror a page's inputs in its URL, so a link or a reload reopens the same example.

    ``keys`` maps session-state keys to the Python type(s) their values must have, or
    to the list of allowed values (for a selectbox or radio), or to a :class:`Between`
    range (for a number input, which refuses values outside its bounds).
    The first run of a session restores them from the query string (JSON values of the
    declared type only; anything else is ignored); every run writes the current values
    back. Call it at the top of the page, before the widgets, and again at the end if
    the page changes state after its widgets (e.g. a button that edits a list).
    """
    restored_flag = f"_url_restored_{'|'.join(sorted(keys))}"
    params = st.query_params
    if restored_flag not in st.session_state:
        st.session_state[restored_flag] = True
        for key, kind in keys.items():
            raw = params.get(key)
            if raw is None or len(raw) > _URL_VALUE_LIMIT:
                continue
            try:
                value = json.loads(raw)
            except ValueError:
                continue
            if isinstance(kind, list):
                if value in kind:
                    st.session_state[key] = value
                continue
            if isinstance(kind, Between):
                if isinstance(value, int | float) and not isinstance(value, bool) and kind.low <= value <= kind.high:
                    st.session_state[key] = kind.kind(value)
                continue
            if isinstance(value, bool) and kind in (int, float):
                continue  # JSON true is not a number here
            if kind is float and isinstance(value, int):
                value = float(value)
            if isinstance(value, kind):
                st.session_state[key] = value
    for key in keys:
        if key not in st.session_state:
            continue
        encoded = json.dumps(st.session_state[key], separators=(",", ":"), ensure_ascii=False)
        if len(encoded) <= _URL_VALUE_LIMIT:
            if params.get(key) != encoded:
                params[key] = encoded
        elif key in params:
            del params[key]
