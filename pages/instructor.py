"""Instructor: the class live, questions and their answers, challenges, export (behind a secret)."""

import streamlit as st

from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import instructor

use_app_navigation()

st.title(_("Instructor"))
if instructor.show_secret_gate():
    info = instructor.show_class_picker()
    if info is None:
        st.info(_("Create a class to get the link your students join with."))
    else:
        instructor.show_live(info)
        instructor.show_questions(info)
        instructor.show_challenge_form(info)
        instructor.show_export(info)
