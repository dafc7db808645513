"""Who may change what on a shared server: owners of runs, and the teacher key with its rate-limited attempts.

An owner is a per-browser random token (ui/owner.py keeps it in a cookie). In public mode a visitor cancels,
deletes and relabels only what they own; a visitor who gave the teacher key may do everything; in local mode
everyone owns everything. Never imports streamlit.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

TEACHER_ENV = "LAB_TEACHER_KEY"
# Wrong guesses are bounded per visitor and for the whole server (30 visitors guessing together get no more).
ATTEMPTS_PER_VISITOR = 5
ATTEMPTS_PER_SERVER = 30
ATTEMPT_WINDOW_S = 60.0


def may_change(owner: str | None, visitor: str, *, public: bool, teacher: bool) -> bool:
    """Whether `visitor` may cancel, delete or relabel a thing owned by `owner` (None: nobody recorded)."""
    if not public or teacher:
        return True
    return owner is not None and hmac.compare_digest(owner.encode(), visitor.encode())


def teacher_key(environ: Mapping[str, str], secret: object = None) -> str | None:
    """The configured teacher key: the `teacher_key` Streamlit secret, else LAB_TEACHER_KEY; None when unset."""
    for value in (secret, environ.get(TEACHER_ENV)):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


class TooManyAttempts(Exception):
    """Attempts at the teacher key came too fast; the message says when to try again."""

    def __init__(self, wait_s: float, whose: str) -> None:
        self.wait_s = wait_s
        super().__init__(
            f"Too many attempts at the teacher key {whose}: at most {ATTEMPTS_PER_VISITOR} a minute per visitor and "
            f"{ATTEMPTS_PER_SERVER} for the whole server. Try again in {max(1, round(wait_s))} s."
        )


class TeacherGate:
    """Checks teacher-key attempts (constant-time compare, rate-limited) and remembers which owners passed.

    One per server (st.cache_resource); the owners admitted stay teachers across reloads, since their owner key
    survives one, and until the server restarts.
    """

    def __init__(self, key: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = key
        self._clock = clock
        self._lock = threading.Lock()
        self._server: deque[float] = deque()
        self._visitors: dict[str, deque[float]] = {}
        self._teachers: set[str] = set()

    @property
    def configured(self) -> bool:
        return self._key is not None

    def is_teacher(self, owner: str) -> bool:
        with self._lock:
            return owner in self._teachers

    def attempt(self, owner: str, given: str) -> bool:
        """Whether `given` is the teacher key; a right one admits `owner`. TooManyAttempts past the limits
        (every attempt counts, right or wrong, so the limit cannot be probed)."""
        with self._lock:
            now = self._clock()
            visitor = self._visitors.setdefault(owner, deque())
            for times in (self._server, visitor):
                while times and now - times[0] >= ATTEMPT_WINDOW_S:
                    times.popleft()
            if len(visitor) >= ATTEMPTS_PER_VISITOR:
                raise TooManyAttempts(ATTEMPT_WINDOW_S - (now - visitor[0]), "from this browser")
            if len(self._server) >= ATTEMPTS_PER_SERVER:
                raise TooManyAttempts(ATTEMPT_WINDOW_S - (now - self._server[0]), "on this server")
            visitor.append(now)
            self._server.append(now)
            if len(self._visitors) > 10 * ATTEMPTS_PER_SERVER:  # forget visitors whose attempts have all expired
                self._visitors = {key: times for key, times in self._visitors.items() if times}
            right = self._key is not None and hmac.compare_digest(given.encode(), self._key.encode())
            if right:
                self._teachers.add(owner)
            return right

    def leave(self, owner: str) -> None:
        """The teacher signs out on this browser."""
        with self._lock:
            self._teachers.discard(owner)
