"""Drawing helpers for the quiz page: the score-by-topic chart and its table.

Takes engine.lesson.quiz values and returns Altair charts or DataFrames, so tests can read them without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from engine.lesson.quiz import TopicScore
from ui.presentation import style_chart


def topic_table(scores: Sequence[TopicScore]) -> pd.DataFrame:
    """One row per topic: questions, points earned and the percentage, weakest first."""
    return pd.DataFrame(
        [
            {"Topic": score.topic, "Questions": score.questions, "Points": score.credit, "Score %": score.percent}
            for score in scores
        ],
        columns=["Topic", "Questions", "Points", "Score %"],
    )


def topic_chart(table: pd.DataFrame) -> alt.TopLevelMixin:
    """Horizontal bars of the score per topic (0-100%), weakest first, saying the same as the table."""
    chart = (
        alt.Chart(table, title="Score by topic")
        .mark_bar()
        .encode(
            x=alt.X("Score %:Q", scale=alt.Scale(domain=[0, 100]), title="Score (%)"),
            y=alt.Y("Topic:N", sort=None, title=None),
            color=alt.Color("Score %:Q", scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen"), legend=None),
            tooltip=["Topic", "Questions", "Points", alt.Tooltip("Score %:Q", format=".0f")],
        )
    )
    return style_chart(chart)
