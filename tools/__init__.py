"""Tools that are not part of the dashboard: run from the repository root with ``python -m tools.<name>``."""
