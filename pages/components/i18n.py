"""The student's language: chosen in the sidebar, by the address (``?lang=ru``) or the browser.

Page strings are written in English and translated the gettext way::

    from pages.components.i18n import _, ngettext

    st.title(_("Loss functions"))
    st.caption(ngettext("{count} page", "{count} pages", n).format(count=n))

The English text is the msgid; its translations live in the "pages" catalogue,
``locales/<language>/LC_MESSAGES/pages.po`` (English needs no file: a msgid is its own
English). The engine's messages (``InputError.message``, ``messages.word``) follow the same
choice through :func:`nnlib.core.messages.current_language`, which app.py sets on every run.

A language is offered once its pages catalogue translates something, so adding one (see the
README's "Languages") is adding catalogue files; its name in the selector is its own name for
itself, from Babel's locale data.
"""

from __future__ import annotations

import functools

import streamlit as st

from nnlib.core import messages

DOMAIN = "pages"
# The address parameter (?lang=ru) and the sidebar selector's session key.
LANG_PARAM = "lang"
LANGUAGE_KEY = "language"
# The session's choice (kept apart from the selector's own state, which a page change resets), and
# the last language this session wrote to (or read from) the address: a different ?lang is a new
# request (a link, an edited address), the same one is only the address catching up.
_CHOSEN_KEY = "_language_chosen"
_ADDRESS_KEY = "_language_in_address"


def _(message: str) -> str:
    """``message`` (an English msgid) in the current language."""
    return messages.catalogue(messages.current_language(), DOMAIN).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The form of a counted phrase for ``count`` in the current language (1 страница, 2 страницы, 5 страниц)."""
    return messages.catalogue(messages.current_language(), DOMAIN).ngettext(singular, plural, count)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "mark for translation, translate later"
    """Marks a module-level English string for the catalogue; :func:`_` translates it where it is shown."""
    return message


@functools.cache
def available_languages() -> tuple[str, ...]:
    """English, then every language whose pages catalogue translates at least one string."""
    found = [code for code in messages.languages() if code == messages.SOURCE_LANGUAGE or _translates(code)]
    return tuple(found)


def _translates(language: str) -> bool:
    from babel.messages.pofile import read_po

    path = messages.LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.is_file():
        return False
    with path.open("rb") as source:
        entries = [message for message in read_po(source, locale=language) if message.id]
    # A plural entry's string is a tuple of forms, ("",) while untranslated.
    return any(all(entry.string) if isinstance(entry.string, tuple) else entry.string for entry in entries)


@functools.cache
def language_name(code: str) -> str:
    """A language's name for itself: English, Русский, 中文."""
    from babel import Locale

    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def browser_language() -> str:
    """The browser's language where it is one of ours (st.context.locale, "ru-RU" -> "ru"), else English."""
    locale = st.context.locale or ""
    code = locale.replace("_", "-").split("-")[0].lower()
    return code if code in available_languages() else messages.SOURCE_LANGUAGE


def session_language() -> str | None:
    """The language this session chose, read from a script run (None outside one: English)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(_CHOSEN_KEY)


def choose_language() -> str:
    """The sidebar's language selector, kept in step with ``?lang=``; sets the run's language.

    The selector is not bound to the address (``bind="query-params"``) because a bound selectbox
    puts its displayed option in the URL (``?lang=Русский``) and refuses ``?lang=ru``; and its own
    kept state is not enough either (a page change reset it to the first option in a real
    browser). So the session keeps the choice under its own key, hands it to the selector on
    every run, and mirrors it in the address: a link's ``?lang`` wins when it is new to this
    session, the selector otherwise. Where the language is the browser's own the address needs
    no parameter; a page change (which clears unbound parameters) loses nothing, since the next
    run writes it back where it is needed.
    """
    state = st.session_state
    offered = available_languages()
    asked = st.query_params.get(LANG_PARAM)
    default = browser_language()
    if asked in offered and asked != state.get(_ADDRESS_KEY):
        state[_CHOSEN_KEY] = asked
        state[_ADDRESS_KEY] = asked
    elif state.get(_CHOSEN_KEY) not in offered:
        state[_CHOSEN_KEY] = default
    state[LANGUAGE_KEY] = state[_CHOSEN_KEY]
    # The selector's own label already in the language it holds (each option is in its own).
    messages.use_language(state[_CHOSEN_KEY])
    chosen = st.sidebar.selectbox(
        _("Language"), offered, key=LANGUAGE_KEY, format_func=language_name, on_change=_remember_choice,
    )
    if asked != chosen and (asked is not None or chosen != default):
        st.query_params[LANG_PARAM] = chosen
        state[_ADDRESS_KEY] = chosen
    messages.use_language(chosen)
    # A fragment's rerun does not run app.py: its thread finds the session's choice this way.
    messages.follow_session_language(session_language)
    return chosen


def _remember_choice() -> None:
    st.session_state[_CHOSEN_KEY] = st.session_state[LANGUAGE_KEY]
