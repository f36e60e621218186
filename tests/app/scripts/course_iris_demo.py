"""A tiny page for testing the course's iris section on its own (the Training page will show it)."""

import streamlit as st

from pages.sections.course_iris import show_course_iris

st.title("Iris as in the course")
show_course_iris()
