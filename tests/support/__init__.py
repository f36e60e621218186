"""Helpers the browser tests, the benchmarks and the class load tool share: a dashboard server
on a free loopback port, and what a test does with a page in headless Chromium.

Plain functions, no fixtures: tests/e2e/conftest.py wraps them in fixtures, and bench/ and
tools/ call them directly.
"""
