"""Concurrency Lab's entry point: `streamlit run app.py`.

Registers the pages of app_pages/ with st.navigation, draws the
sidebar host badge and the presentation-mode toggle, then runs the chosen page.
"""

import streamlit as st

from ui import nav, owner, presentation
from ui.host_badge import host_badge

st.set_page_config(page_title="Concurrency Lab", page_icon=":material/speed:", layout="wide")

PAGES = [
    st.Page("app_pages/home.py", title="Home", icon=":material/home:", url_path="", default=True),
    st.Page("app_pages/quiz.py", title="Quiz", icon=":material/quiz:", url_path="quiz"),
    st.Page("app_pages/recommend.py", title="Recommend", icon=":material/recommend:", url_path="recommend"),
    st.Page("app_pages/benchmark.py", title="Benchmark", icon=":material/speed:", url_path="benchmark"),
    st.Page("app_pages/results.py", title="Results", icon=":material/history:", url_path="results"),
    st.Page("app_pages/class.py", title="Class", icon=":material/groups:", url_path="class"),
    st.Page(
        "app_pages/whats_new.py", title="What's new in 3.13/3.14", icon=":material/new_releases:", url_path="whats-new"
    ),
]

navigation = st.navigation(PAGES)
nav.register(PAGES)

presentation.init_from_query()
st.sidebar.toggle(
    "Presentation mode",
    key=presentation.STATE_KEY,
    help="Larger text and charts for a projector. The address keeps it (?present=1): a reload stays in it.",
)
presentation.sync_query()
presentation.apply_large_text()
host_badge()
owner.remember_owner()  # this browser's owner key, kept in a cookie (ui/owner.py)

navigation.run()
