"""The dashboard's pages (run by app.py through st.navigation) and their shared UI.

Start-up work lives in pages.components.startup, and app.py calls it. One call stays here, on
purpose: on a fresh server a shared link such as /training is run by Streamlit's old
pages/-folder mode, in which app.py never runs and the page's own imports are the only code of
ours that does; every page imports this package first, so this is where the switch to app.py's
navigation can happen (it does nothing once st.navigation has run).
"""

from __future__ import annotations

from pages.components.startup import (
    WARM_MODULES,
    loaded,
    use_app_navigation,
    warm_up_done,
    warm_up_in_background,
)

# Re-exported while pages/components/ui.py and tests/unit/test_startup.py still import them from
# here; they are to import them from pages.components.startup.
__all__ = ["WARM_MODULES", "loaded", "warm_up_done", "warm_up_in_background"]

use_app_navigation()
