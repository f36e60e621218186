"""Words for message codes: the engine says *what* (a code and its details), a catalogue says it.

Every message a student reads from the engine (an error, a warning, a finding, a run's status)
is a code such as ``"tensors.ragged"`` plus the numbers behind it. The wording lives in gettext
catalogues, one file per concept and language::

    locales/<language>/LC_MESSAGES/<concept>.po      # msgid "tensors.ragged"

The concept is the code's first part. A catalogue entry is a Python format string over the
details (``"Row {row} has {found} numbers; row 1 has {expected}."``); an entry with plural
forms picks its form from the detail ``count`` with the language's own plural rule (1 эпоха,
2 эпохи, 5 эпох). A translation is a set of ``.po`` files a translator edits without reading
code; a language whose file lacks a code falls back to English.

The language a message is worded in is the caller's when it names one, else the current one:
a page sets it once per script run (``use_language("ru")``), so every ``word`` and ``template``
on that page that names no language speaks it (a record's ``words(language)`` does once its
default is None rather than English). It is a ContextVar, so each session's script thread has
its own; the CLI, the tests and background threads never set it and read English.
"""

from __future__ import annotations

import contextlib
import functools
import gettext
import io
import string
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar, Token
from pathlib import Path
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
SOURCE_LANGUAGE = "en"
PLURAL_DETAIL = "count"

# The language chosen for this script run; None where nobody chose one (English then, unless the
# lookup below knows better).
_CHOSEN: ContextVar[str | None] = ContextVar("nnlib_language", default=None)
# Where a thread that never chose a language finds the one its session chose (set by the
# interface: a Streamlit fragment rerun runs in a fresh thread without re-running the page
# that called use_language). One function for the whole process; it reads per-session state.
_session_language: Callable[[], str | None] | None = None


def use_language(code: str) -> Token[str | None]:
    """Word messages in ``code`` from now on in this context (one script run, one thread)."""
    return _CHOSEN.set(code)


@contextlib.contextmanager
def in_language(code: str) -> Iterator[None]:
    """Word messages in ``code`` inside the block, then as before (a CLI option, a test)."""
    token = _CHOSEN.set(code)
    try:
        yield
    finally:
        _CHOSEN.reset(token)


def current_language() -> str:
    """The language chosen for this run, else the session's (see follow_session_language), else English."""
    chosen = _CHOSEN.get()
    if chosen is None and _session_language is not None:
        chosen = _session_language()
    return chosen or SOURCE_LANGUAGE


def follow_session_language(lookup: Callable[[], str | None] | None) -> None:
    """Let runs that did not choose a language take ``lookup()``'s (None: no session, English)."""
    global _session_language
    _session_language = lookup


def languages() -> tuple[str, ...]:
    """The languages that have a catalogue, English first."""
    found = sorted(p.name for p in LOCALES_DIR.iterdir() if (p / "LC_MESSAGES").is_dir())
    return tuple(sorted(found, key=lambda name: name != SOURCE_LANGUAGE))


def domains(language: str = SOURCE_LANGUAGE) -> tuple[str, ...]:
    """The concepts that have a catalogue in ``language``."""
    folder = LOCALES_DIR / language / "LC_MESSAGES"
    return tuple(sorted(p.stem for p in folder.glob("*.po")))


@functools.cache
def catalogue(language: str, domain: str) -> gettext.NullTranslations:
    """One ``.po`` file, compiled in memory (read-only, so every session may share it)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.is_file():
        return gettext.NullTranslations()
    with path.open("rb") as source:
        parsed = read_po(source, locale=language, domain=domain)
    compiled = io.BytesIO()
    write_mo(compiled, parsed, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def template(code: str, language: str | None = None, count: int | None = None) -> str | None:
    """The catalogue's wording of ``code`` in ``language`` (default: the current one; English
    where it has none), or None."""
    domain = code.split(".", 1)[0]
    for lang in dict.fromkeys((language or current_language(), SOURCE_LANGUAGE)):
        translations = catalogue(lang, domain)
        # A plural entry answers only ngettext, a plain entry only gettext (each hands back the code
        # it does not know); a count picks the plural form where the entry has them.
        plural = translations.ngettext(code, code, 1 if count is None else count)
        single = translations.gettext(code)
        text = plural if count is not None and plural != code else single if single != code else plural
        if text != code:
            return text
    return None


class _Details(dict):
    """Format details that leaves a placeholder it lacks visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


# How a language groups thousands in prose: "25,000" reads as 25.0 to a Russian reader, who writes
# "25 000" (a no-break space keeps the number on one line). Decimal points stay as they are.
THOUSANDS_SEPARATORS = {"ru": "\u00a0", "zh": ","}


class _NumberFormatter(string.Formatter):
    """str.format, with the language's thousands separator where an entry asks for grouping (``:,``)."""

    def __init__(self, separator: str) -> None:
        super().__init__()
        self.separator = separator

    def format_field(self, value: Any, format_spec: str) -> str:
        text = super().format_field(value, format_spec)
        if "," in format_spec and self.separator != "," and isinstance(value, int | float):
            text = text.replace(",", self.separator)
        return text


def word(code: str, details: Mapping[str, Any] | None = None, language: str | None = None) -> str:
    """The sentence a student reads for ``code`` with its ``details``, in ``language`` (default:
    the current one).

    A code with no catalogue entry is a bug in the engine; it is shown as the code itself
    (with its details) rather than hiding the message, and a test keeps that from shipping.
    """
    values = dict(details or {})
    count = values.get(PLURAL_DETAIL)
    text = template(code, language, int(count) if isinstance(count, int | float) else None)
    if text is None:
        shown = ", ".join(f"{key}={value!r}" for key, value in values.items())
        return f"{code} ({shown})" if shown else code
    separator = THOUSANDS_SEPARATORS.get(language or current_language(), ",")
    return _NumberFormatter(separator).vformat(text, (), _Details(values))


def placeholders(text: str) -> set[str]:
    """The detail names a catalogue entry uses (for the tests that keep codes and details in step)."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}
