"""Helpers tests, benchmarks and tools share, as plain functions (no fixtures):

- server: the dashboard on a free loopback port (`streamlit run app.py`);
- browser: what a test does with a page in headless Chromium;
- postgres: a throwaway PostgreSQL cluster for the class storage tests.

tests/e2e/conftest.py wraps them in fixtures; bench/ and tools/ call them directly.
"""
