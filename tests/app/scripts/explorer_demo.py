"""A tiny page for testing the dataset widgets the training page uses."""

import streamlit as st

from nnlib import data as datasets
from pages.components.dataset_explorer import choose_letters_source, show_dataset_explorer

which = st.radio("Data set", ["letters", "iris"], key="demo_which", horizontal=True)
if which == "iris":
    chosen = datasets.load_iris()
else:
    chosen = choose_letters_source()
st.markdown(f"chosen: {chosen.name} ({len(chosen)})")
show_dataset_explorer(chosen)
