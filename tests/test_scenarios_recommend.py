"""Every scenario's profile, fed to the recommendation engine, gives its best or an acceptable approach.

No scenario is excused: where the engine and a scenario disagree, fix the engine (or the scenario, if it is
wrong per FACTS.md). The three that once disagreed now carry the facts that decide them: worker_memory_mb
(each worker's memory with the program's imports) and beyond_one_machine.
"""

from __future__ import annotations

import json

import pytest

from engine.lesson.costs import default_costs
from engine.lesson.framework import APPROACH_TITLES
from engine.lesson.quiz import decision_path_for, grade
from engine.lesson.recommend import WorkloadProfile, recommend
from engine.lesson.scenarios import BankError, builtin_bank, parse_bank

SCENARIOS = builtin_bank()


@pytest.fixture(autouse=True)
def _no_host_calibration(tmp_path, monkeypatch):
    # The engine reads a saved calibration from the data folder; the answer must not depend on this host.
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.id)
def test_engine_gives_the_best_or_an_acceptable_approach(scenario):
    recommendation = recommend(WorkloadProfile.from_mapping(scenario.profile_mapping()))
    assert recommendation.approach in (scenario.best, *scenario.acceptable)


def test_the_tight_memory_scenario_is_decided_by_the_users_worker_figure():
    scenario = next(s for s in SCENARIOS if s.id == "edge_tight_memory_workers")
    recommendation = recommend(WorkloadProfile.from_mapping(scenario.profile_mapping()))
    assert recommendation.approach == "free_threaded"
    assert any("60.0 MB each would not fit (your figure" in reason for reason in recommendation.reasoning)


@pytest.mark.parametrize("scenario_id", ["edge_logs_outgrow_machine", "edge_render_farm"])
def test_work_that_outgrows_one_machine_is_distributed_with_processes_on_each(scenario_id):
    scenario = next(s for s in SCENARIOS if s.id == scenario_id)
    recommendation = recommend(WorkloadProfile.from_mapping(scenario.profile_mapping()))
    assert recommendation.approach == "distributed"
    assert recommendation.alternatives[0].approach == "multiprocessing"


def _bank_with_profile(**extra: object) -> bytes:
    entry = {
        "id": "big",
        "prompt": "Render frames.",
        "kind": "cpu_parallel_isolated",
        "best": "distributed",
        "explanation": "Too much for one machine.",
        "feedback": {
            option: {
                "tempts": f"{option} looks like it could render faster.",
                "wrong": f"{option} stays on one machine.",
            }
            for option in ("multiprocessing", "threads", "asyncio", "io_bound", "hybrid", "cpu_sequential")
        },
        "difficulty": "easy",
        "tags": ["scale-out"],
        "source": "edge",
        "profile": {
            "workload": "cpu_parallel_isolated",
            "memory_mb": 1024.0,
            "cores": 4,
            "expensive_startup": False,
            **extra,
        },
    }
    return json.dumps({"scenario": [entry]}).encode()


def test_a_bank_profile_may_carry_the_worker_figure_and_beyond_one_machine():
    (scenario,) = parse_bank(_bank_with_profile(worker_memory_mb=60, beyond_one_machine=True), "teacher.json")
    assert recommend(WorkloadProfile.from_mapping(scenario.profile_mapping())).approach == "distributed"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"worker_memory_mb": 0}, "scenario 'big': profile.worker_memory_mb: got 0; accepted: a number > 0"),
        (
            {"beyond_one_machine": "perhaps"},
            r"scenario 'big': profile.beyond_one_machine: got 'perhaps'; accepted: yes or no \(true or false\)",
        ),
    ],
)
def test_a_bad_worker_figure_or_machine_answer_in_a_bank_is_named(extra, message):
    with pytest.raises(BankError, match=message):
        parse_bank(_bank_with_profile(**extra), "teacher.json")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.id)
def test_the_quiz_draws_recommends_own_path_and_following_it_never_scores_zero(scenario):
    recommendation = recommend(scenario.profile, default_costs())
    path = decision_path_for(scenario)
    assert list(path) == recommendation.decision_path, "the quiz draws the recommendation's path, not a second walk"
    # The last step is where the answer is: the tree's leaf, or a refinement that names the answer and why.
    assert APPROACH_TITLES[recommendation.approach] in path[-1]
    assert len(path[-1].split(APPROACH_TITLES[recommendation.approach])[0]) > 3, path[-1]
    assert grade(scenario, "approach", recommendation.approach).credit > 0
