"""Quiz: classify workloads and choose approaches, with feedback on every wrong answer and a review at the end.

Presentation mode shows one scenario at a time in large type, the answer hidden until the teacher reveals it.
"""

import time
import uuid

import streamlit as st

from engine.bench.presets import presets
from engine.bench.slot import RunPlan, SlotBusy, checked_plan, limits_for, plan_work
from engine.errors import InputError
from engine.lesson import quiz
from engine.lesson.framework import APPROACH_TITLES, WORKLOAD_TITLES
from engine.lesson.scenarios import DIFFICULTIES, SCENARIOS_ENV, all_tags, available_banks
from ui import quiz_view
from ui.bench_view import draw_result, public_requested, result_store, run_slot
from ui.presentation import presenting

VERDICT_BOX = {"correct": st.success, "partial": st.warning, "wrong": st.error}

st.session_state.setdefault("quiz_order", ())
st.session_state.setdefault("quiz_position", 0)
st.session_state.setdefault("quiz_grades", [])
st.session_state.setdefault("quiz_revealed", False)
st.session_state.setdefault("quiz_deadline", None)
st.session_state.setdefault("quiz_mode_active", "classify")
st.session_state.setdefault("quiz_owner", uuid.uuid4().hex)
st.session_state.setdefault("quiz_job", None)

st.title("Quiz")
st.markdown(
    "Read the workload, then classify it or choose the approach. Every wrong answer says why it is tempting "
    "and why it is wrong; an acceptable alternative earns half a point."
)

with st.expander("Question bank", expanded=False):
    st.markdown(
        f"Upload your own bank (TOML or JSON, the format of `engine/lesson/data/scenarios.toml`), or point "
        f"`{SCENARIOS_ENV}` at a file. Check it first with `python -m engine scenarios check FILE`."
    )
    uploaded = st.file_uploader("Your bank", type=["toml", "json"], key="quiz_upload")
banks = available_banks((uploaded.name, uploaded.getvalue()) if uploaded else None)
for error in banks.errors:
    st.error(f"This bank was not loaded; the built-in bank still works.\n\n{error}")


def start(bank_by_label: dict) -> None:
    # Read the widgets' state here, not as button args: args are bound when the button was last drawn.
    state = st.session_state
    if state.quiz_mode == "predict":
        chosen = quiz.predict_questions(
            list(presets().values()), seed=int(state.quiz_seed), count=int(state.quiz_count)
        )
    else:
        chosen = quiz.select(
            bank_by_label[state.quiz_bank],
            seed=int(state.quiz_seed),
            difficulties=state.quiz_difficulty,
            tags=state.quiz_tags,
            count=int(state.quiz_count),
        )
    state.update(
        quiz_order=chosen,
        quiz_mode_active=state.quiz_mode,
        quiz_position=0,
        quiz_grades=[],
        quiz_revealed=False,
        quiz_deadline=None,
        quiz_job=None,
    )


def run_live(preset) -> None:
    limits = limits_for(public_requested())
    try:
        plan = checked_plan(RunPlan(preset.title, preset.specs(), None, preset.id), limits)
        job = run_slot().start(st.session_state.quiz_owner, plan, plan_work(result_store(), limits, limits.max_run_s))
        st.session_state.quiz_job = job
    except (InputError, SlotBusy) as refused:
        st.session_state.quiz_job = None
        st.toast(str(refused))


def check(scenario, mode: str, answer: str) -> None:
    st.session_state.quiz_grades = [*st.session_state.quiz_grades, quiz.grade(scenario, mode, answer)]


def advance() -> None:
    st.session_state.quiz_position += 1
    st.session_state.quiz_revealed = False
    st.session_state.quiz_deadline = None
    st.session_state.quiz_job = None


def restart() -> None:
    st.session_state.quiz_order = ()


order = st.session_state.quiz_order
if not order:
    bank_label = st.selectbox("Bank", list(banks.banks), key="quiz_bank")
    bank = banks.banks[bank_label]
    mode = st.radio("Mode", list(quiz.MODES), format_func=quiz.MODES.get, key="quiz_mode", horizontal=True)
    difficulty_col, tag_col = st.columns(2)
    difficulties = difficulty_col.multiselect("Difficulty (none: all)", DIFFICULTIES, key="quiz_difficulty")
    tags = tag_col.multiselect("Topics (none: all)", all_tags(bank), key="quiz_tags")
    seed_col, count_col = st.columns(2)
    seed = seed_col.number_input(
        "Shuffle seed",
        min_value=0,
        value=1,
        step=1,
        key="quiz_seed",
        help="The same seed gives a class the same order.",
    )
    if mode == "predict":
        st.caption("Predict mode asks about the benchmark presets and runs each one live on this host.")
        available = len(quiz.predict_questions(list(presets().values()), seed=int(seed)))
    else:
        available = len(quiz.select(bank, seed=int(seed), difficulties=difficulties, tags=tags))
    if available == 0:
        st.warning("No scenario matches these filters.")
    else:
        count = count_col.number_input(
            "Questions", min_value=1, value=10, key="quiz_count", help="More than the matching scenarios: all of them."
        )
        st.caption(f"{available} scenarios match; the quiz asks {min(int(count), available)}.")
        st.button(
            "Start quiz",
            key="quiz_start",
            type="primary",
            on_click=start,
            args=(banks.banks,),
        )
elif st.session_state.quiz_position < len(order):
    position = st.session_state.quiz_position
    scenario = order[position]
    mode = st.session_state.quiz_mode_active
    st.progress(position / len(order), text=f"Question {position + 1} of {len(order)} · {quiz.MODES[mode]}")
    if mode == "predict":
        preset = scenario
        st.markdown(f"### {preset.title}")
        st.caption(
            f"Kernel `{preset.kernel}` · executors {', '.join(preset.executors)} (the first is the baseline) · "
            f"{preset.workers} workers · {preset.tasks} tasks"
        )
        answered = len(st.session_state.quiz_grades) > position
        predictions = {
            executor: st.number_input(
                f"Your predicted speedup of {executor} over {preset.executors[0]}",
                min_value=0.05,
                max_value=100.0,
                value=1.0,
                step=0.1,
                key=f"quiz_predict_{position}_{executor}",
                disabled=answered or st.session_state.quiz_job is not None,
            )
            for executor in preset.executors[1:]
        }
        job = st.session_state.quiz_job
        if job is None and not answered:
            st.button("Run it live", key="quiz_run", type="primary", on_click=run_live, args=(preset,))
        elif job is not None and not job.done.is_set():

            @st.fragment(run_every=0.5)
            def run_progress() -> None:
                if st.session_state.quiz_job.done.is_set():
                    st.rerun(scope="app")
                st.progress(job.fraction, text=f"{job.plan.label}: {job.status}")

            run_progress()
        elif job is not None and not answered:
            if job.error or job.cancelled or not job.results:
                st.error(job.error or "The run did not finish; run it again.")
                st.session_state.quiz_job = None
            else:
                measured = quiz.measured_speedups(preset, job.results[0])
                graded = quiz.grade_prediction(
                    preset.id, predictions, measured, explanation=preset.should_show, topic=preset.title
                )
                st.session_state.quiz_grades = [*st.session_state.quiz_grades, graded]
                answered = True
        if answered:
            graded = st.session_state.quiz_grades[position]
            VERDICT_BOX[graded.verdict](f"**{graded.verdict.capitalize()}.** {graded.feedback}")
            st.markdown(f"**What it should show.** {graded.explanation}")
            if job is not None and job.results:
                draw_result(job.results[0], preset, key=f"quiz_result_{position}")
            st.button("Next question", key="quiz_next", type="primary", on_click=advance)
    elif presenting():
        st.markdown(f"## {scenario.prompt}")
        seconds = st.number_input("Countdown (s, 0: none)", min_value=0, max_value=600, value=0, key="quiz_countdown")
        if seconds and st.session_state.quiz_deadline is None and not st.session_state.quiz_revealed:
            st.button(
                "Start countdown",
                key="quiz_timer",
                on_click=lambda: st.session_state.update(quiz_deadline=time.time() + seconds),
            )
        if st.session_state.quiz_deadline is not None and not st.session_state.quiz_revealed:

            @st.fragment(run_every=1.0)
            def countdown() -> None:
                left = max(0, round(st.session_state.quiz_deadline - time.time()))
                st.markdown(f"## ⏱ {left} s" if left else "## Time's up")

            countdown()
        if not st.session_state.quiz_revealed:
            st.button(
                "Reveal the answer",
                key="quiz_reveal",
                type="primary",
                on_click=lambda: st.session_state.update(quiz_revealed=True),
            )
        else:
            answer = scenario.kind if mode == "classify" else scenario.best
            st.markdown(f"## Answer: {quiz.answer_title(answer)}")
            st.markdown(f"### {scenario.explanation}")
            for wrong, why in quiz.tempting_answers(scenario, mode):
                st.markdown(f"**Not {quiz.answer_title(wrong)}:** {why}")
            st.button("Next scenario", key="quiz_next", type="primary", on_click=advance)
    else:
        st.markdown(f"### {scenario.prompt}")
        st.caption(f"Difficulty: {scenario.difficulty} · Topics: {', '.join(scenario.tags)}")
        answered = len(st.session_state.quiz_grades) > position
        titles = WORKLOAD_TITLES if mode == "classify" else APPROACH_TITLES
        answer = st.radio(
            "Your answer",
            list(quiz.choices(mode)),
            format_func=titles.get,
            index=None,
            key=f"quiz_answer_{position}",
            disabled=answered,
        )
        if not answered:
            st.button(
                "Check",
                key="quiz_check",
                type="primary",
                disabled=answer is None,
                on_click=check,
                args=(scenario, mode, answer),
            )
        else:
            graded = st.session_state.quiz_grades[position]
            VERDICT_BOX[graded.verdict](f"**{graded.verdict.capitalize()}.** {graded.feedback}")
            st.markdown(f"**Best answer: {quiz.answer_title(graded.expected)}.** {graded.explanation}")
            if mode == "approach" and scenario.acceptable:
                st.markdown("Also acceptable: " + ", ".join(quiz.answer_title(a) for a in scenario.acceptable) + ".")
            with st.expander("The decision path", expanded=graded.verdict != "correct"):
                st.markdown("\n".join(f"1. {step}" for step in graded.decision_path))
            st.button("Next question", key="quiz_next", type="primary", on_click=advance)
else:
    grades = st.session_state.quiz_grades
    st.header("Review")
    if not grades:
        st.markdown(f"End of the quiz: {len(order)} scenarios shown.")
    else:
        score = quiz.total(grades)
        st.metric("Score", f"{score.credit:g} / {score.questions}", f"{score.percent:.0f}%", delta_color="off")
        table = quiz_view.topic_table(quiz.topic_scores(grades))
        chart_col, table_col = st.columns([3, 2])
        chart_col.altair_chart(quiz_view.topic_chart(table), width="stretch")
        table_col.dataframe(
            table, hide_index=True, column_config={"Score %": st.column_config.NumberColumn(format="%.0f%%")}
        )
        mistakes = quiz.mistakes(grades)
        st.subheader(f"Mistakes to review ({len(mistakes)})")
        if not mistakes:
            st.success("No mistakes: every answer was the best one.")
        by_id = {question.id: question for question in order}
        for graded in mistakes:
            with st.container(border=True):
                question = by_id[graded.question_id]
                st.markdown(f"**{getattr(question, 'prompt', None) or question.title}**")
                st.markdown(
                    f"You answered **{quiz.answer_title(graded.given)}** ({graded.verdict}); "
                    f"best: **{quiz.answer_title(graded.expected)}**."
                )
                st.markdown(graded.feedback)
                st.caption(graded.explanation)
    st.button("New quiz", key="quiz_restart", type="primary", on_click=restart)
