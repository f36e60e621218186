"""Home: the map of the course, one step per page, in teaching order, in the student's language."""

import streamlit as st

from pages.components.catalog import available_pages
from pages.components.i18n import _
from pages.components.startup import use_app_navigation

use_app_navigation()

st.title(_("Neural networks in PyTorch, hands on"))
st.markdown(_(
    "Each page takes one idea from the course and lets you change the numbers and watch what "
    "PyTorch does with them. Every value you see is computed by PyTorch as you type, and the "
    "pages explain it step by step. Work through them in order:"
))

for step, page in enumerate(available_pages(), start=1):
    with st.container(border=True):
        st.page_link(f"pages/{page.file}", label=f"{step}. {_(page.title)}", icon=page.icon)
        st.markdown(_(page.summary))
        # One reference a line: author, title, then the chapter or section as the text heads it.
        st.caption(_("Course texts:") + "  \n" + "  \n".join(reference.shown(_) for reference in page.course))

st.caption(_(
    "Each step names the course texts it follows: author, title, and the chapter or section as "
    "the text heads it. The device in the sidebar is the one PyTorch detected (CUDA, then Apple "
    "MPS, then CPU). The Glossary page lists the course's terms in English and Russian."
))
