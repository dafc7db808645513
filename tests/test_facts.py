"""engine.lesson.facts: one sourced table, quoted by id."""

from __future__ import annotations

import pytest

from engine.lesson import facts


def test_every_fact_has_a_source_link_the_user_can_follow():
    for item in facts.facts().values():
        assert item.url.startswith(
            (
                "https://docs.python.org/",
                "https://peps.python.org/",
                "https://docs.dask.org/",
                "https://distributed.dask.org/",
            )
        )
        assert "FACTS.md" not in item.source + item.statement


def test_a_measured_default_is_labelled_as_not_this_hosts():
    assert "not this one" in facts.fact("bare_interpreter_rss").label
    assert facts.fact("ft_cost_314").label.startswith("documented: What's New In Python 3.14")


def test_expand_replaces_each_reference_with_the_facts_value():
    assert facts.expand("costs {fact:ft_cost_313} in 3.13") == "costs about 40% in 3.13"
    assert facts.references("a {fact:ft_cost_313} b {fact:thread_idle_rss}") == ("ft_cost_313", "thread_idle_rss")


def test_an_unknown_fact_is_refused_with_the_known_ids():
    with pytest.raises(LookupError, match="known: "):
        facts.expand("{fact:no_such_fact}")


def test_model_figures_carry_a_number():
    assert facts.number("thread_idle_rss") == pytest.approx(0.016)
    with pytest.raises(LookupError):
        facts.number("ft_cost_314")
