"""Quiz: classify workloads, choose approaches or predict a live run; feedback on every wrong option, then a review.

The quiz is a QuizSession (engine/lesson/quiz.py) kept in st.session_state; this page draws it and calls its
methods. Presentation mode shows one scenario at a time in large type, the answer hidden until the teacher reveals it.
"""

import time

import streamlit as st

from engine.bench.presets import presets
from engine.bench.slot import QueueRefused
from engine.errors import InputError
from engine.lesson.quiz import MODES, QuizSession, answer_title
from engine.lesson.scenarios import BUILTIN_LABEL, SCENARIOS_ENV, Scenario, available_banks
from ui import quiz_view
from ui.bench_view import draw_result
from ui.presentation import presenting
from ui.safe import plain

st.session_state.setdefault("quiz_session", None)
st.session_state.setdefault("quiz_job", None)

st.title("Quiz")
st.markdown(
    "Read the workload, then classify it or choose the approach. Every wrong option says why it tempts and why "
    "it is wrong here; an acceptable alternative earns half a point."
)
with st.expander("Question bank", expanded=False):
    st.markdown(
        f"Upload your own bank (TOML or JSON, the format of `engine/lesson/data/scenarios.toml`), or point "
        f"`{SCENARIOS_ENV}` at a file. Check it first with `python -m engine scenarios check FILE`."
    )
    uploaded = st.file_uploader("Your bank", type=["toml", "json"], key="quiz_upload")
banks = available_banks((uploaded.name, uploaded.getvalue()) if uploaded else None)
still_works = "; the built-in bank still works." if BUILTIN_LABEL in banks.banks else "."
for error in banks.errors:
    st.error(f"This bank was not loaded{still_works}\n\n{plain(error)}")


def step(method: str, *args) -> None:
    """A button's callback: the session's method gives the next session."""
    st.session_state.quiz_session = getattr(st.session_state.quiz_session, method)(*args)


def start() -> None:
    # Read the widgets' state here, not as button args: args are bound when the button was last drawn.
    state = st.session_state
    state.quiz_job = None
    state.quiz_session = QuizSession.start(
        state.quiz_mode,
        seed=int(state.quiz_seed),
        bank=banks.banks.get(state.get("quiz_bank"), ()),
        presets=list(presets().values()),
        difficulties=state.quiz_difficulty,
        tags=state.quiz_tags,
        sources=state.quiz_sources,
        count=int(state.quiz_count),
    )


def run_live(preset, fresh: bool = False) -> None:
    try:
        st.session_state.quiz_job = quiz_view.start_live_run(preset, fresh=fresh)
    except (InputError, QueueRefused) as refused:
        st.session_state.quiz_job = None
        st.toast(plain(refused))


def advance() -> None:
    st.session_state.quiz_job = None
    step("next")


session: QuizSession | None = st.session_state.quiz_session
if session is None:
    quiz_view.draw_setup(banks.banks, on_start=start)
elif session.finished:
    quiz_view.draw_review(session)
    st.button(
        "New quiz", key="quiz_restart", type="primary", on_click=lambda: st.session_state.update(quiz_session=None)
    )
else:
    question, position = session.current, session.position
    st.progress(session.progress, text=f"Question {session.number} of {session.count} · {MODES[session.mode]}")
    job = st.session_state.quiz_job
    if not isinstance(question, Scenario):
        predictions = quiz_view.prediction_inputs(question, position, disabled=session.answered or job is not None)
        if job is None and not session.answered:
            st.button("Run it live", key="quiz_run", type="primary", on_click=run_live, args=(question,))
        elif job is not None and not job.done.is_set():
            quiz_view.draw_run_progress(job)
        elif not session.answered and (problem := quiz_view.run_problem(job)) is not None:
            st.warning(f"Not graded: {plain(problem)}")
            st.button("Run it again", key="quiz_rerun", type="primary", on_click=run_live, args=(question, True))
        elif not session.answered:
            session = st.session_state.quiz_session = session.answer_prediction(predictions, job.results[0])
        if session.answered:
            quiz_view.draw_grade(session)
            if job is not None and job.results:
                draw_result(job.results[0], question, key=f"quiz_result_{position}")
            st.button("Next question", key="quiz_next", type="primary", on_click=advance)
    elif presenting():
        st.markdown(f"## {plain(question.prompt)}")
        seconds = st.number_input("Countdown (s, 0: none)", min_value=0, max_value=600, value=0, key="quiz_countdown")
        if seconds and session.deadline is None and not session.revealed:
            st.button(
                "Start countdown", key="quiz_timer", on_click=lambda: step("start_countdown", time.time(), seconds)
            )
        if session.deadline is not None and not session.revealed:
            quiz_view.draw_countdown("quiz_session")
        if not session.revealed:
            st.button("Reveal the answer", key="quiz_reveal", type="primary", on_click=step, args=("reveal",))
        else:
            quiz_view.draw_reveal(session)
            st.button("Next scenario", key="quiz_next", type="primary", on_click=advance)
    else:
        st.markdown(f"### {plain(question.prompt)}")
        st.caption(f"Difficulty: {plain(question.difficulty)} · Topics: {plain(', '.join(question.tags))}")
        key = f"quiz_answer_{position}"
        choice = st.radio(
            "Your answer", session.options(), format_func=answer_title, index=None, key=key, disabled=session.answered
        )
        if not session.answered:
            # The radio's value when the button is clicked, not when it was drawn.
            st.button(
                "Check",
                key="quiz_check",
                type="primary",
                disabled=choice is None,
                on_click=lambda: step("answer", st.session_state[key]),
            )
        else:
            quiz_view.draw_grade(session)
            st.button("Next question", key="quiz_next", type="primary", on_click=advance)
