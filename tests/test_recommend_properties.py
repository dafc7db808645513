"""Properties of recommend() that hold for any valid profile (hypothesis)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.lesson import framework
from engine.lesson.recommend import PYTHON_BUILDS, WorkloadProfile, recommend

positive = st.floats(min_value=0.001, max_value=1e6, allow_nan=False, allow_infinity=False)
maybe_bool = st.none() | st.booleans()

profiles = st.builds(
    WorkloadProfile,
    workload=st.sampled_from(framework.WORKLOAD_KINDS),
    latency_ms=st.none() | positive,
    memory_mb=positive,
    cores=st.integers(min_value=1, max_value=256),
    expensive_startup=st.booleans(),
    shared_state=maybe_bool,
    isolation=maybe_bool,
    io_concurrency=st.none() | st.integers(min_value=1, max_value=100_000),
    task_ms=st.none() | positive,
    io_wait_ms=st.none() | positive,
    io_cpu_ms=st.none() | st.floats(min_value=0, max_value=1e4, allow_nan=False),
    async_client=maybe_bool,
    python_build=st.none() | st.sampled_from(PYTHON_BUILDS),
    releases_gil=maybe_bool,
    worker_memory_mb=st.none() | positive,
    beyond_one_machine=maybe_bool,
)
# The template is the same few kilobytes each time; building it is not what these properties are about.
FAST = settings(max_examples=300, deadline=None)


@FAST
@given(profiles)
def test_the_approach_is_one_of_designs(profile: WorkloadProfile) -> None:
    answer = recommend(profile)
    assert answer.approach in framework.APPROACHES
    assert answer.title == framework.APPROACH_TITLES[answer.approach]


@FAST
@given(profiles)
def test_the_path_starts_at_the_trees_root_and_follows_its_branches(profile: WorkloadProfile) -> None:
    steps = recommend(profile).decision.steps
    assert steps[0].question == framework.ROOT
    for step, following in itertools.pairwise(steps):
        question = framework.QUESTIONS[step.question]
        assert following.question == (question.yes if step.answer else question.no)


@FAST
@given(profiles)
def test_one_core_never_gets_a_parallel_cpu_approach(profile: WorkloadProfile) -> None:
    # `distributed` runs on other machines' cores, so one core here does not rule it out when the work
    # outgrows this machine; the approach for each machine still follows the one-core rule.
    if profile.cores == 1:
        answer = recommend(profile)
        if profile.beyond_one_machine:
            assert answer.approach == "distributed"
            assert answer.alternatives[0].approach not in framework.PARALLEL_CPU_APPROACHES
        else:
            assert answer.approach not in framework.PARALLEL_CPU_APPROACHES


@FAST
@given(profiles)
def test_work_beyond_one_machine_is_distributed_and_only_then(profile: WorkloadProfile) -> None:
    assert (recommend(profile).approach == "distributed") == bool(profile.beyond_one_machine)


@FAST
@given(profiles)
def test_total_memory_is_reported_against_the_budget(profile: WorkloadProfile) -> None:
    memory = recommend(profile).memory
    assert memory.budget_mb == profile.memory_mb
    assert memory.total_mb == memory.per_worker_mb * memory.workers
    assert memory.fits == (memory.total_mb <= profile.memory_mb)
    assert memory.basis


@FAST
@given(profiles)
def test_every_estimate_states_its_basis_and_orders_its_range(profile: WorkloadProfile) -> None:
    speedup = recommend(profile).expected_speedup
    assert speedup.basis
    if speedup.value is not None:
        assert 0 < speedup.low <= speedup.value <= speedup.high


@FAST
@given(profiles)
def test_a_gil_build_is_never_told_to_go_free_threaded(profile: WorkloadProfile) -> None:
    if profile.python_build in ("gil", "subinterpreters"):
        assert recommend(profile).approach not in ("free_threaded", "free_threaded_asyncio")


@FAST
@given(profiles)
def test_the_decision_path_ends_where_the_answer_does(profile: WorkloadProfile) -> None:
    answer = recommend(profile)
    last = answer.decision_path[-1]
    assert framework.APPROACH_TITLES[answer.approach] in last
    if answer.approach != answer.decision.approach and not profile.beyond_one_machine:
        assert last.endswith(f"-> {answer.title}.")


@FAST
@given(profiles)
def test_the_expected_value_never_exceeds_the_ideal_bound(profile: WorkloadProfile) -> None:
    speedup = recommend(profile).expected_speedup
    if speedup.value is not None and speedup.ideal is not None:
        assert speedup.value <= speedup.ideal
