"""The Glossary page's sections: the course's terms as a table, and the texts its places refer to."""

from __future__ import annotations

import streamlit as st

from nnlib.core import glossary
from nnlib.core.messages import SOURCE_LANGUAGE
from pages.components.catalog import ARTICLE, LESSON_NOTES, RAO_MCMAHAN, THAMPI
from pages.components.i18n import _, language_name, ngettext
from pages.components.ui import KEPT

# The texts a place names by number, as the course map names them.
SOURCES = (RAO_MCMAHAN, THAMPI, LESSON_NOTES, ARTICLE)


def place_text(place: glossary.Place) -> str:
    """"003 «Градиентный спуск»"; a book page as "000, p. 76"; the Chinese text's sections by number
    only (B.5.3): its headings need CJK fonts that not every browser has."""
    if place.text == "002":
        return f"002 {place.section.split(' ')[0]}"
    if place.section.startswith("с. "):  # 000 and 001 are single pages of the book
        return f"{place.text}, " + _("p. {page}").format(page=place.section.removeprefix("с. "))
    return f"{place.text} «{place.section}»"


def glossary_rows(language: str, query: str = "") -> list[dict[str, str]]:
    """One row per term in ``language``'s dictionary order, the other language beside it;
    only the terms where ``query`` occurs (in either language or another form), if given."""
    other = "ru" if language == SOURCE_LANGUAGE else SOURCE_LANGUAGE
    wanted = query.strip().casefold()
    rows = []
    for term in glossary.in_order(language):
        words = (term.en, term.ru, *term.also)
        if wanted and not any(wanted in word.casefold() for word in words):
            continue
        rows.append({
            _("Term"): term.in_language(language),
            language_name(other): term.in_language(other),
            _("Also in the texts"): ", ".join(term.also),
            _("Where in the course"): "; ".join(place_text(place) for place in term.where),
            _("Note"): term.note(language),
        })
    return rows


def show_terms(language: str) -> None:
    query = st.text_input(_("Find a term"), key="glossary_find", placeholder=_("in English or Russian"), **KEPT)
    rows = glossary_rows(language, query)
    st.caption(ngettext("{count} term", "{count} terms", len(rows)).format(count=len(rows)))
    if rows:
        # A plain table, every row and note in full: a glossary is read, not scrolled in a box.
        st.table(rows, hide_index=True)
    else:
        st.info(_("No term contains “{query}”.").format(query=query.strip()))


def show_sources() -> None:
    st.subheader(_("The course texts"))
    st.markdown("  \n".join(f"**{text.number}**: {text.shown(_)}" for text in SOURCES))
    st.caption(_(
        "000 and 001 are two pages of one book (p. 76 and p. 58); 002 is named by its sections' "
        "numbers, 003 by its table of contents, 004 by its headings."
    ))
