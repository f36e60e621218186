"""Entry point: `streamlit run app.py`. Navigation over the course pages and the shared sidebar."""

import streamlit as st

from pages.components.catalog import available_pages
from pages.components.presence import keep_alive
from pages.components.ui import sidebar

st.set_page_config(page_title="Neural networks in PyTorch", page_icon=":material/neurology:", layout="wide")

home = st.Page("pages/home.py", title="Course map", icon=":material/map:", default=True)
course = [
    st.Page(f"pages/{page.file}", title=page.title, icon=page.icon, url_path=page.url_path)
    for page in available_pages()
]
navigation = st.navigation({"Start": [home], "Course": course} if course else [home])
sidebar()
keep_alive()
navigation.run()
