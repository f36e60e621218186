"""Entry point: `streamlit run app.py`. Navigation over the course pages and the shared sidebar.

The first page a fresh server shows imports nothing it does not draw: PyTorch, the
training machinery and the chart libraries load after it is drawn (the sidebar's
device label, then a background warm-up), so the first heading appears as soon as
Streamlit itself is ready.

The language is chosen first (sidebar, ?lang=, the browser's): every title below is drawn in it.
"""

import streamlit as st

from pages.components.catalog import available_pages
from pages.components.i18n import _, choose_language
from pages.components.membership import note_page
from pages.components.startup import loaded, warm_up_in_background
from pages.components.ui import sidebar

choose_language()
st.set_page_config(page_title=_("Neural networks in PyTorch"), page_icon=":material/neurology:", layout="wide")

home = st.Page("pages/home.py", title=_("Course map"), icon=":material/map:", default=True)
glossary = st.Page("pages/glossary.py", title=_("Glossary"), icon=":material/translate:", url_path="glossary")
course = [
    st.Page(f"pages/{page.file}", title=_(page.title), icon=page.icon, url_path=page.url_path)
    for page in available_pages()
]
classroom = [
    st.Page("pages/classroom.py", title=_("Your class"), icon=":material/groups:", url_path="classroom"),
    st.Page("pages/instructor.py", title=_("Instructor"), icon=":material/school:", url_path="instructor"),
]
navigation = st.navigation({_("Start"): [home, glossary], _("Course"): course, _("Class"): classroom})
show_device = sidebar()
# A student's run can exist only once the training machinery is loaded; until then there is
# nobody to keep alive, and loading it would hold the first page back.
presence = loaded("pages.components.presence")
if presence is not None:
    presence.keep_alive()
navigation.run()
note_page(navigation.url_path or "home")
show_device()
if presence is None:
    from pages.components.presence import keep_alive

    keep_alive()
warm_up_in_background()
