"""The visitor's owner key (a random token kept in a browser cookie) and the teacher key's sign-in.

Streamlit reads cookies (st.context.cookies) but has no call to set one, so `remember_owner` (app.py, every run)
writes it from a script in Streamlit's own html component, a same-origin iframe, until the browser has it. The key
is never in the address: an address on a projector would hand it to the whole class. Tests set
st.session_state[OWNER_STATE] to act as a given visitor.
"""

from __future__ import annotations

import os
import re
import secrets

import streamlit as st
import streamlit.components.v1 as components

from engine.bench import access
from engine.bench.access import TeacherGate, TooManyAttempts

OWNER_STATE = "lab_owner"
OWNER_COOKIE = "lab_owner"
COOKIE_DAYS = 365
_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _cookie_owner() -> str | None:
    try:
        value = st.context.cookies.get(OWNER_COOKIE)
    except Exception:  # no browser behind this run (AppTest, a bare script)
        return None
    return value if isinstance(value, str) and _TOKEN.match(value) else None


def owner_key() -> str:
    """This browser's owner key: this session's, else the cookie's, else a new random token (set by
    `remember_owner`). Never derived from the address or anything the visitor types."""
    state = st.session_state
    if OWNER_STATE not in state:
        state[OWNER_STATE] = _cookie_owner() or secrets.token_hex(16)
    return state[OWNER_STATE]


def remember_owner() -> None:
    """Write the owner key into a cookie when the browser does not have it yet (drawn once per run, in the
    sidebar, zero height). The cookie is read back by the next session of this browser: a reload keeps the key."""
    owner = owner_key()
    if _cookie_owner() == owner:
        return
    secure = "; Secure" if st.context.url and st.context.url.startswith("https:") else ""
    # Streamlit's own html component (a same-origin iframe) runs the script and sends nothing back, so writing the
    # cookie costs no rerun (a component that returns a value reran the page once, mid-press on a first visit).
    with st.sidebar:
        components.html(
            f"<script>document.cookie = '{OWNER_COOKIE}={owner}; max-age={COOKIE_DAYS * 86400}; path=/; "
            f"SameSite=Strict{secure}';</script>",
            height=0,
        )


def _secret_teacher_key() -> object:
    try:
        return st.secrets.get("teacher_key")
    except FileNotFoundError:
        return None


@st.cache_resource
def _gate_for(key: str | None) -> TeacherGate:
    return TeacherGate(key)


def teacher_gate() -> TeacherGate:
    """The server's gate for the configured key (a changed key gets a new gate)."""
    return _gate_for(access.teacher_key(os.environ, _secret_teacher_key()))


def is_teacher() -> bool:
    return teacher_gate().is_teacher(owner_key())


def may_change(owner: str | None, public: bool) -> bool:
    """Whether this visitor may cancel, delete or relabel a thing that `owner` owns."""
    return access.may_change(owner, owner_key(), public=public, teacher=public and is_teacher())


def teacher_panel(public: bool) -> None:
    """Public mode: a sidebar form for the teacher key (once per browser); says when this browser is a teacher."""
    if not public:
        return
    gate = teacher_gate()
    with st.sidebar.expander("Teacher", icon=":material/school:"):
        if not gate.configured:
            st.caption("No teacher key is set on this server (the `teacher_key` secret or LAB_TEACHER_KEY).")
            return
        if gate.is_teacher(owner_key()):
            st.success("Teacher: you may cancel and delete every visitor's runs.", icon=":material/verified_user:")
            if st.button("Sign out as teacher", key="owner_teacher_leave"):
                gate.leave(owner_key())
                st.rerun()
            return
        with st.form("owner_teacher_form", clear_on_submit=True, border=False):
            given = st.text_input("Teacher key", type="password", key="owner_teacher_key")
            submitted = st.form_submit_button("Sign in as teacher")
        if submitted:
            try:
                right = gate.attempt(owner_key(), given)
            except TooManyAttempts as refused:
                st.error(str(refused), icon=":material/timer:")
                return
            if right:
                st.rerun()
            st.error("That is not the teacher key.", icon=":material/error:")
