"""What a server does once, around its first pages: app.py's navigation for every link, and a warm-up.

Nothing here runs on import; app.py and the pages package call these functions.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from types import ModuleType


def use_app_navigation() -> None:
    """Make sure app.py's st.navigation drives every page, even on a server's first request.

    Streamlit runs an app that has a ``pages/`` folder in its old multipage mode (every
    file in pages/ a page, app.py skipped) until some run calls st.navigation. A
    student who opens a shared link such as /training on a freshly started server
    would get that old mode, in which app.py does not run at all: only the page's own
    code does. So every page calls this right after its imports: it switches the old
    mode off and reruns, and app.py, its sidebar and its navigation
    take over. Once st.navigation has run (every later request) it does nothing.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        if get_script_run_ctx() is not None:
            import streamlit as st

            st.rerun()


def loaded(name: str) -> ModuleType | None:
    """The module ``name`` if it is fully imported already (not merely being imported by another thread)."""
    module = sys.modules.get(name)
    if module is None or getattr(getattr(module, "__spec__", None), "_initializing", False):
        return None
    return module


# What the course pages import, heaviest first: PyTorch (about 1-2 s of Python holding the GIL),
# the training machinery, the chart libraries, then the rest of nnlib and the shared components.
WARM_MODULES = (
    "torch", "nnlib.core.device", "nnlib.training", "pages.components.presence", "pandas", "altair", "numpy",
    "nnlib.core.parsing", "nnlib.core.messages", "nnlib.core.params", "nnlib.tensors", "nnlib.activations",
    "nnlib.losses", "nnlib.losses.metrics", "nnlib.layers", "nnlib.backprop", "nnlib.optimizers.paths",
    "nnlib.data", "nnlib.training.insights", "pages.components.charts", "pages.components.dataset_explorer",
)
_warm_up_started = False
_warm_up_lock = threading.Lock()
warm_up_done = threading.Event()


def warm_up_in_background() -> None:
    """Pay the server's one-time costs while the first student reads the first page.

    app.py calls this at the end of every run; the first call starts one thread that
    imports what the course pages need and builds the first optimizer (which imports
    torch._dynamo, about 2.5 s). It starts only after a page is drawn, so the first
    page never waits for it, and a page opened later finds its imports done or under way.
    """
    global _warm_up_started
    with _warm_up_lock:
        if _warm_up_started:
            return
        _warm_up_started = True

    def pay_once() -> None:
        import importlib

        # A warm-up must never take the server down, and one module that fails to import must
        # not keep the others cold: the page that needs it will say why.
        try:
            for name in WARM_MODULES:
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
            with contextlib.suppress(Exception):
                from nnlib.training import warm_up

                warm_up()
        finally:
            warm_up_done.set()

    threading.Thread(target=pay_once, name="nnlib-warm-up", daemon=True).start()
