"""Drawing helpers for the quiz page: a graded answer, the presentation reveal, and the review with its chart.

Takes engine.lesson.quiz values and draws them, or returns Altair charts and DataFrames that tests read without
a browser. No quiz rules here: every decision is QuizSession's. A bank's text (built-in or uploaded: one path) and a
preset's come from files, so they are drawn through `plain`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import altair as alt
import pandas as pd
import streamlit as st

from engine.bench.presets import Preset, presets
from engine.bench.slot import Job, RunPlan, checked_plan, limits_for, plan_work
from engine.bench.verdicts import verdict_withheld
from engine.lesson.quiz import (
    ACCEPTABLE_CREDIT,
    MODES,
    QuizSession,
    TopicScore,
    answer_title,
    format_points,
    predict_questions,
    select,
)
from engine.lesson.scenarios import DIFFICULTIES, SOURCES, Scenario, all_tags
from ui.bench_view import draw_queue_place, public_requested, result_store, run_slot, submit_run
from ui.presentation import FIT_WIDTH, ChartSize, chart_size, style_chart
from ui.safe import plain

VERDICT_BOX = {"correct": st.success, "partial": st.warning, "wrong": st.error}


def topic_table(scores: Sequence[TopicScore]) -> pd.DataFrame:
    """One row per topic: questions, points earned and the percentage, weakest first."""
    return pd.DataFrame(
        [
            {
                "Topic": score.topic,
                "Questions": score.questions,
                "Points": format_points(score.credit),
                "Score %": score.percent,
            }
            for score in scores
        ],
        columns=["Topic", "Questions", "Points", "Score %"],
    )


def topic_chart(table: pd.DataFrame, size: ChartSize | None = None) -> alt.TopLevelMixin:
    """Horizontal bars of the score per topic (0-100%), weakest first, saying the same as the table; one row of
    `size.row_px` per topic (the current mode's size when none is given)."""
    size = size or chart_size()
    chart = (
        alt.Chart(table, title="Score by topic")
        .mark_bar()
        .encode(
            x=alt.X("Score %:Q", scale=alt.Scale(domain=[0, 100]), title="Score (%)"),
            y=alt.Y("Topic:N", sort=None, title=None, axis=alt.Axis(labelLimit=size.label_limit_px)),
            color=alt.Color("Score %:Q", scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen"), legend=None),
            tooltip=["Topic", "Questions", "Points", alt.Tooltip("Score %:Q", format=".0f")],
        )
        .properties(height=size.rows_height(len(table)), width="container", autosize=FIT_WIDTH)
    )
    return style_chart(chart, size)


def draw_grade(session: QuizSession) -> None:
    """The current question's grade: verdict and feedback, the best answer, the others that count, the path."""
    graded, scenario = session.current_grade, session.current
    VERDICT_BOX[graded.verdict](f"**{graded.verdict.capitalize()}.** {plain(graded.feedback)}")
    if not isinstance(scenario, Scenario):
        st.markdown(f"**What it should show.** {plain(graded.explanation)}")
        return
    st.markdown(f"**Best answer: {plain(answer_title(graded.expected))}.** {plain(graded.explanation)}")
    others = scenario.right_answers(session.mode)[1:]
    if others:
        titles = ", ".join(plain(answer_title(answer)) for answer in others)
        st.markdown(f"Also acceptable, for {format_points(ACCEPTABLE_CREDIT)} of 1 point: {titles}.")
    with st.expander("The decision path", expanded=graded.verdict != "correct"):
        st.markdown("\n".join(f"1. {plain(step)}" for step in graded.decision_path))


def draw_reveal(session: QuizSession) -> None:
    """Presentation mode, after the reveal: the answer, why, and why each tempting option is wrong, in large type."""
    scenario = session.current
    st.markdown(f"## Answer: {plain(answer_title(scenario.expected(session.mode)))}")
    st.markdown(f"### {plain(scenario.explanation)}")
    for option, why in scenario.wrong_options(session.mode):
        st.markdown(f"**Not {plain(answer_title(option))}.** It tempts: {plain(why.tempts)} But: {plain(why.wrong)}")


def draw_review(session: QuizSession) -> None:
    """The end of a quiz: the score, the score by topic (chart and table), and every answer to review."""
    st.header("Review")
    if not session.grades:
        st.markdown(f"End of the quiz: {session.count} questions shown.")
        return
    score = session.score()
    st.metric("Score", score.text, f"{score.percent:.0f}%", delta_color="off")
    table = topic_table(session.topic_scores())
    chart_col, table_col = st.columns([3, 2])
    chart_col.altair_chart(topic_chart(table), width="stretch")
    table_col.dataframe(
        table, hide_index=True, column_config={"Score %": st.column_config.NumberColumn(format="%.0f%%")}
    )
    mistakes = session.mistakes()
    st.subheader(f"Mistakes to review ({len(mistakes)})")
    if not mistakes:
        st.success("No mistakes: every answer was the best one.")
    for review in mistakes:
        with st.container(border=True):
            graded = review.grade
            st.markdown(f"**{plain(review.question)}**")
            st.markdown(
                f"You answered **{plain(answer_title(graded.given))}** ({graded.verdict}, "
                f"{format_points(graded.credit)} of 1 point); best: **{plain(answer_title(graded.expected))}**."
            )
            st.markdown(plain(graded.feedback))
            st.caption(plain(graded.explanation))


def prediction_inputs(preset: Preset, position: int, *, disabled: bool) -> dict[str, float]:
    """The preset's description and one predicted speedup per executor against the baseline."""
    st.markdown(f"### {plain(preset.title)}")
    st.caption(
        f"Kernel `{preset.kernel}` · executors {', '.join(preset.executors)} (the first is the baseline) · "
        f"{preset.workers} workers · {preset.tasks} tasks"
    )
    return {
        executor: st.number_input(
            f"Your predicted speedup of {executor} over {preset.executors[0]}",
            min_value=0.05,
            max_value=100.0,
            value=1.0,
            step=0.1,
            key=f"quiz_predict_{position}_{executor}",
            disabled=disabled,
        )
        for executor in preset.executors[1:]
    }


def run_problem(job: Job) -> str | None:
    """Why a finished run cannot be graded: it failed, was cancelled, or was disturbed; None when it can."""
    if job.error:
        return job.error
    if job.cancelled or not job.results:
        return "The run did not finish."
    return verdict_withheld(job.results[0])


def draw_run_progress(job: Job) -> None:
    """The live run's place in the queue or its progress, polled; the whole page reruns once it is done."""

    @st.fragment(run_every=0.5)
    def run_progress() -> None:
        if job.done.is_set():
            st.rerun(scope="app")
        if job.state == "queued":
            draw_queue_place(job, key="quiz_leave")
        else:
            st.progress(job.fraction, text=f"{plain(job.plan.label)}: {plain(job.status)}")

    run_progress()


def draw_countdown(session_key: str) -> None:
    """Presentation mode: the seconds left on the session's countdown, redrawn every second."""

    @st.fragment(run_every=1.0)
    def countdown() -> None:
        left = st.session_state[session_key].seconds_left(time.time())
        st.markdown(f"## ⏱ {left} s" if left else "## Time's up")

    countdown()


def start_live_run(preset: Preset, *, fresh: bool = False) -> Job:
    """The preset's run, started in the one-run slot or queued for it; InputError or QueueRefused when refused.

    A class answering the same question shares one run: the same preset queued, running, or finished in the last
    minutes is followed instead of queueing a copy, unless `fresh` (the last one could not be graded)."""
    limits = limits_for(public_requested())
    plan = checked_plan(RunPlan(preset.title, preset.specs(), None, preset.id), limits)
    if not fresh and (same := run_slot().same_run(plan)) is not None:
        return same
    return submit_run(plan, plan_work(result_store(), limits, limits.max_run_s), kind="quiz")


def draw_setup(banks: Mapping[str, Sequence[Scenario]], *, on_start: Callable[[], None]) -> None:
    """The quiz's settings (bank, mode, filters, seed, count) and the start button, when something matches."""
    bank = banks.get(st.selectbox("Bank", list(banks), key="quiz_bank"), ())
    mode = st.radio("Mode", list(MODES), format_func=MODES.get, key="quiz_mode", horizontal=True)
    difficulty_col, tag_col, source_col = st.columns(3)
    difficulties = difficulty_col.multiselect("Difficulty (none: all)", DIFFICULTIES, key="quiz_difficulty")
    tags = tag_col.multiselect("Topics (none: all)", all_tags(tuple(bank)), key="quiz_tags")
    sources = source_col.multiselect("Sources (none: all)", SOURCES, key="quiz_sources")
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
        available = len(predict_questions(list(presets().values()), seed=int(seed)))
    else:
        available = len(select(bank, seed=int(seed), difficulties=difficulties, tags=tags, sources=sources))
    if available == 0:
        st.warning("No scenario matches these filters.")
        return
    count = count_col.number_input(
        "Questions", min_value=1, value=10, key="quiz_count", help="More than the matching scenarios: all of them."
    )
    st.caption(f"{available} scenarios match; the quiz asks {min(int(count), available)}.")
    st.button("Start quiz", key="quiz_start", type="primary", on_click=on_start)
