"""Links between pages that exist: app.py registers its pages here once per run."""

from __future__ import annotations

import streamlit as st
from streamlit.navigation.page import StreamlitPage

_PAGES_BY_URL: dict[str, StreamlitPage] = {}


def register(pages: list[StreamlitPage]) -> None:
    """Remember the app's pages by url path (called by app.py before running a page)."""
    _PAGES_BY_URL.clear()
    _PAGES_BY_URL.update({page.url_path: page for page in pages})


def page_link(url_path: str, label: str, icon: str | None = None) -> None:
    """A link to a registered page; nothing when the app does not have that page."""
    if url_path in _PAGES_BY_URL:
        st.page_link(_PAGES_BY_URL[url_path], label=label, icon=icon)
