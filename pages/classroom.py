"""Class: join your instructor's class, see its challenges and their leaderboards."""

import streamlit as st

from pages.components import membership
from pages.components.i18n import _
from pages.components.startup import use_app_navigation
from pages.sections import classroom

use_app_navigation()

st.title(_("Your class"))
member = membership.current_member()
if member is None:
    classroom.show_join()
else:
    classroom.show_membership(member)
    classroom.show_challenges(member)
