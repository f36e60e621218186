"""nnlib: the teaching engine behind the dashboard.

Pure Python on top of PyTorch, with no Streamlit: every number a page shows is
computed here, so a test can check it against PyTorch and the course texts.
"""

__version__ = "0.1.0"
