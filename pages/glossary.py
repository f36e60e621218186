"""Glossary: the course's terms in English and Russian, and where each appears in the course texts.

The terms come from nnlib.core.glossary (locales/glossary.toml); the sections live in
pages/sections/glossary.py, in the order called here.
"""

from __future__ import annotations

import streamlit as st

from nnlib.core.messages import current_language
from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import glossary as sections

use_app_navigation()

st.title(_("Glossary"))
st.markdown(_(
    "The course's words in English and Russian, as the course texts use them, sorted in the "
    "language you read. The Russian interface uses the same words; each term names the texts "
    "and sections where it appears."
))
sections.show_terms(current_language())
sections.show_sources()
