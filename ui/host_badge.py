"""The sidebar badge: which Python serves this app, its build and GIL state, the CPUs its affinity allows."""

from __future__ import annotations

import streamlit as st

from engine.host import HostInfo, Interpreter, current_host, discover_interpreters


@st.cache_resource(show_spinner="Looking for Python interpreters on this host...")
def interpreters() -> list[Interpreter]:
    """The interpreters found on this host, probed once per server."""
    return discover_interpreters()


def host() -> HostInfo:
    """This host's facts with the discovered interpreters."""
    return current_host(interpreters())


def host_badge() -> None:
    """A compact line in the sidebar saying what this server runs on."""
    info = current_host()
    build = "free-threaded" if info.free_threaded_build else "GIL build"
    gil = "GIL off" if not info.gil_enabled else "GIL on"
    st.sidebar.caption(
        f"This server: Python {info.python_version} · {build} · {gil} · {info.usable_cpus} "
        f"{'CPU' if info.usable_cpus == 1 else 'CPUs'} by affinity (a container's quota may allow less)"
    )
