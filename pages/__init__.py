"""The dashboard's pages (run by app.py through st.navigation) and their shared UI."""


def _leave_legacy_pages_mode() -> None:
    """Make sure app.py's st.navigation drives every page, even on a server's first request.

    Streamlit runs an app that has a ``pages/`` folder in its old multipage mode (every
    file in pages/ a page, app.py skipped) until some run calls st.navigation. A
    student who opens a shared link such as /training on a freshly started server
    would get that old mode. The first page import switches it off and reruns, so
    app.py, its sidebar and its navigation take over.
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


def _warm_up_in_background() -> None:
    """Pay the server's one-time costs while the first student is still on the home page.

    The first torch optimizer a process builds imports torch._dynamo (about 2.5 s of
    Python holding the GIL); on a class server the first students opening Optimizers or
    Training would each wait for it.
    """
    import threading

    def pay_once() -> None:
        import altair  # noqa: F401  (the chart pages' first import)
        import pandas  # noqa: F401

        from nnlib.training import warm_up

        warm_up()

    threading.Thread(target=pay_once, name="nnlib-warm-up", daemon=True).start()


_leave_legacy_pages_mode()
_warm_up_in_background()
