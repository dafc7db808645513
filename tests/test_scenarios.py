"""The question bank: the feedback rules every bank keeps, validation messages, file limits, and `scenarios check`.

The loader reads the bank format with [scenario.feedback.OPTION] tables (tempts, wrong). tests/data/quiz_bank.toml
is a small bank in that format; the tests on the built-in bank need the converted engine/lesson/data/scenarios.toml.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.lesson import framework, quiz, scenarios
from engine.lesson.facts import fact
from engine.lesson.profile import WorkloadProfile
from engine.lesson.scenarios import (
    BUILTIN_BANK,
    MIN_OPTIONS,
    BankError,
    available_banks,
    builtin_bank,
    env_bank_path,
    load_bank,
    parse_bank,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_BANK = ROOT / "tests" / "data" / "quiz_bank.toml"

LESSON_COLEARNING = {
    "pdf_text_extraction",
    "web_scraper_100_pages",
    "zlib_compression",
    "rest_api_50_concurrent",
    "matrix_multiplication_training",
    "database_query_1m_rows",
    "ai_agent_reasoning",
    "stock_prices_realtime",
    "batch_image_resizing",
    "multi_agent_negotiation",
}
LESSON_WORKSHOP = {
    "workshop_api_server",
    "workshop_ml_inference",
    "workshop_data_pipeline",
    "workshop_chat_bot",
    "workshop_web_scraper",
    "workshop_vector_database",
    "workshop_report_generator",
    "workshop_realtime_monitoring",
}


def why(option: str) -> dict[str, str]:
    return {"tempts": f"{option} looks like it fits.", "wrong": f"{option} does not fit this tiny job."}


VALID_ENTRY = {
    "id": "tiny",
    "prompt": "Fetch three pages.",
    "kind": "io_bound",
    "best": "asyncio",
    "acceptable": ["threads"],
    "explanation": "It waits.",
    "feedback": {
        option: why(option)
        for option in ("hybrid", "cpu_parallel_isolated", "cpu_sequential", "multiprocessing", "free_threaded")
    },
    "difficulty": "easy",
    "tags": ["io"],
    "source": "edge",
    "profile": {"workload": "io_bound", "memory_mb": 256.0, "cores": 2, "expensive_startup": False},
}


def bank_json(*entries: dict) -> bytes:
    return json.dumps({"scenario": list(entries)}).encode()


def with_feedback(**changes: object) -> dict:
    feedback = {**VALID_ENTRY["feedback"], **changes}
    return {**VALID_ENTRY, "feedback": {option: text for option, text in feedback.items() if text is not None}}


# ---------------------------------------------------------------- the rules every bank keeps


def feedback_problems(bank: tuple[scenarios.Scenario, ...]) -> list[str]:
    """Every breach of the feedback rules: own words for each wrong option shown, never a shared definition."""
    problems = []
    by_option: dict[str, dict[str, str]] = defaultdict(dict)
    for scenario in bank:
        texts: dict[str, str] = {}
        for mode in scenarios.SCENARIO_MODES:
            shown = scenario.options(mode)
            if len(shown) < MIN_OPTIONS:
                problems.append(f"{scenario.id}: the {mode} question shows {len(shown)} options")
            for option in shown:
                if option in scenario.right_answers(mode):
                    continue
                feedback = scenario.feedback_for(option)
                if feedback is None or not feedback.tempts.strip() or not feedback.wrong.strip():
                    problems.append(f"{scenario.id}: {option} is shown without its own feedback")
                    continue
                for part, text in (("tempts", feedback.tempts), ("wrong", feedback.wrong)):
                    if text in texts:
                        problems.append(f"{scenario.id}: {option}.{part} repeats {texts[text]} word for word")
                    texts[text] = f"{option}.{part}"
                    if text in by_option[option]:
                        problems.append(f"{scenario.id}: {option}.{part} is {by_option[option][text]}'s text too")
                    by_option[option][text] = scenario.id
    return problems


def test_the_fixture_bank_keeps_the_feedback_rules():
    assert feedback_problems(load_bank(FIXTURE_BANK)) == []


def test_the_builtin_bank_keeps_the_feedback_rules():
    assert feedback_problems(builtin_bank()) == []


def test_the_feedback_rules_catch_a_definition_copied_across_scenarios():
    first, second = load_bank(FIXTURE_BANK)[:2]
    copied = dict(second.feedback)
    copied["single_threaded"] = first.feedback["single_threaded"]
    problems = feedback_problems((first, dataclasses.replace(second, feedback=copied)))
    assert problems == [
        f"{second.id}: single_threaded.tempts is {first.id}'s text too",
        f"{second.id}: single_threaded.wrong is {first.id}'s text too",
    ]


def test_an_option_without_feedback_is_not_shown_and_cannot_be_graded():
    scenario = next(s for s in load_bank(FIXTURE_BANK) if s.id == "zlib_compression")
    assert "distributed" not in scenario.options("approach")
    assert "hybrid" not in scenario.options("classify")
    assert not hasattr(quiz, "APPROACH_FITS"), "no generic definition for an option the bank has no words for"
    with pytest.raises(InputError, match="answer: got 'distributed'"):
        quiz.grade(scenario, "approach", "distributed")


def test_options_are_the_right_answers_and_the_wrong_ones_with_feedback_in_the_frameworks_order():
    scenario = next(s for s in load_bank(FIXTURE_BANK) if s.id == "zlib_compression")
    assert scenario.options("approach") == ("single_threaded", "free_threaded", "multiprocessing", "asyncio", "threads")
    assert scenario.right_answers("approach") == ("threads", "multiprocessing", "free_threaded")
    kinds = ("cpu_sequential", "cpu_parallel_shared", "cpu_parallel_isolated", "io_bound")
    assert scenario.options("classify") == kinds
    assert [option for option, _ in scenario.wrong_options("classify")] == [
        "cpu_sequential",
        "cpu_parallel_shared",
        "io_bound",
    ]


def test_builtin_bank_holds_forty_scenarios_with_all_eighteen_from_the_lesson():
    bank = builtin_bank()
    ids = {scenario.id for scenario in bank}
    assert len(bank) >= 40
    assert {s.id for s in bank if s.source == "lesson-colearning"} == LESSON_COLEARNING
    assert {s.id for s in bank if s.source == "lesson-workshop"} == LESSON_WORKSHOP
    assert ids >= LESSON_COLEARNING | LESSON_WORKSHOP
    assert {scenario.kind for scenario in bank} == set(framework.WORKLOAD_KINDS)


def test_no_builtin_profile_carries_the_old_latency_placeholder():
    placeholders = [s.id for s in builtin_bank() if s.profile.latency_ms == 1.0]
    assert placeholders == [], "latency_ms is a deadline: leave it out when the workload has none"


# ---------------------------------------------------------------- validation


def test_a_valid_json_bank_loads_with_its_profile_as_a_workload_profile():
    (scenario,) = parse_bank(bank_json(VALID_ENTRY), "mine.json")
    assert scenario.id == "tiny" and scenario.acceptable == ("threads",)
    assert scenario.feedback_for("multiprocessing") == scenarios.Feedback(**why("multiprocessing"))
    assert scenario.feedback_for("threads") is None
    assert isinstance(scenario.profile, WorkloadProfile)
    assert scenario.profile.cores == 2 and scenario.profile.latency_ms is None


def test_a_bare_json_list_is_a_bank_too():
    assert len(parse_bank(json.dumps([VALID_ENTRY]).encode(), "mine.json")) == 1


def test_fact_references_are_expanded_at_load():
    entry = with_feedback(multiprocessing={"tempts": "Cheap: {fact:thread_idle_rss} a thread.", "wrong": "No."})
    (scenario,) = parse_bank(bank_json({**entry, "prompt": "Threads cost {fact:thread_idle_rss}."}), "mine.json")
    value = fact("thread_idle_rss").value
    assert scenario.prompt == f"Threads cost {value}."
    assert scenario.feedback_for("multiprocessing").tempts == f"Cheap: {value} a thread."


@pytest.mark.parametrize(
    ("entry", "field", "accepted"),
    [
        ({**VALID_ENTRY, "kind": "io"}, "kind", "'io_bound'"),
        ({**VALID_ENTRY, "best": "gevent"}, "best", "'free_threaded_asyncio'"),
        ({**VALID_ENTRY, "acceptable": ["celery"]}, "acceptable.0", "'subinterpreters'"),
        ({**VALID_ENTRY, "acceptable": ["asyncio"]}, "acceptable", "other approaches"),
        ({**VALID_ENTRY, "difficulty": "extreme"}, "difficulty", "'easy'"),
        ({**VALID_ENTRY, "source": "blog"}, "source", "'lesson-colearning'"),
        ({**VALID_ENTRY, "tags": []}, "tags", "at least 1"),
        ({**VALID_ENTRY, "expalnation": "typo"}, "expalnation", "explanation"),
        ({**VALID_ENTRY, "prompt": "Costs {fact:no_such_fact}."}, "prompt", "facts.toml"),
        (with_feedback(threads=why("threads")), "feedback.threads", "wrong options only"),
        (with_feedback(gevent=why("gevent")), "feedback.gevent", "io_bound"),
        (with_feedback(multiprocessing="The old format: one text."), "feedback.multiprocessing", "tempts and wrong"),
        (with_feedback(multiprocessing={"tempts": "Only half."}), "feedback.multiprocessing.wrong", "required"),
        (with_feedback(multiprocessing={"tempts": " ", "wrong": "x"}), "feedback.multiprocessing.tempts", "at least 1"),
        (with_feedback(hybrid=None), "feedback", "at least 3 wrong kinds"),
        (with_feedback(free_threaded=None), "feedback", "at least 2 wrong approaches"),
        (
            with_feedback(free_threaded={"tempts": "{fact:nope}", "wrong": "x"}),
            "feedback.free_threaded.tempts",
            "facts.toml",
        ),
    ],
)
def test_a_bad_field_is_one_line_naming_file_scenario_field_and_what_is_accepted(entry, field, accepted):
    with pytest.raises(BankError) as caught:
        parse_bank(bank_json(entry), "teacher.json")
    (message,) = (str(error) for error in caught.value.errors)
    assert "\n" not in message
    assert message.startswith(f"teacher.json: scenario 'tiny': {field}: "), message
    assert accepted in message.split("; accepted: ")[1], message


@pytest.mark.parametrize(
    ("profile", "field", "accepted"),
    [
        ({"cores": 0}, "profile.cores", ">= 1"),
        ({"latency_ms": -5}, "profile.latency_ms", "> 0"),
        ({"io_cpu_ms": "lots"}, "profile.io_cpu_ms", "number"),
        ({"async_client": "maybe"}, "profile.async_client", "yes or no"),
        ({"workload": "hybrid"}, "profile.workload", "the scenario's kind 'io_bound'"),
        ({"latncy_ms": 5}, "profile.latncy_ms", "documented fields"),
    ],
)
def test_the_profile_is_checked_as_a_workload_profile(profile, field, accepted):
    entry = {**VALID_ENTRY, "profile": {**VALID_ENTRY["profile"], **profile}}
    with pytest.raises(BankError) as caught:
        parse_bank(bank_json(entry), "teacher.json")
    (message,) = (str(error) for error in caught.value.errors)
    assert message.startswith(f"teacher.json: scenario 'tiny': {field}: "), message
    assert accepted in message.split("; accepted: ")[1], message


def test_a_missing_profile_field_says_missing():
    profile = {key: value for key, value in VALID_ENTRY["profile"].items() if key != "cores"}
    with pytest.raises(BankError, match=r"scenario 'tiny': profile.cores: is missing"):
        parse_bank(bank_json({**VALID_ENTRY, "profile": profile}), "teacher.json")


def test_every_bad_scenario_is_named_not_only_the_first():
    second = {**VALID_ENTRY, "id": "other", "best": "nope"}
    with pytest.raises(BankError) as caught:
        parse_bank(bank_json({**VALID_ENTRY, "kind": "x"}, VALID_ENTRY | {"id": "fine"}, second), "teacher.json")
    assert [str(error).split(": ")[1:3] for error in caught.value.errors] == [
        ["scenario 'tiny'", "kind"],
        ["scenario 'other'", "best"],
    ]


def test_duplicate_ids_are_refused():
    with pytest.raises(BankError, match="scenario 'tiny': id: used twice"):
        parse_bank(bank_json(VALID_ENTRY, VALID_ENTRY), "teacher.json")


def test_an_entry_without_id_is_named_by_position():
    entry = {key: value for key, value in VALID_ENTRY.items() if key != "id"}
    with pytest.raises(BankError, match=r"scenario '#2': id: is missing"):
        parse_bank(bank_json(VALID_ENTRY, entry), "teacher.json")


@pytest.mark.parametrize(
    ("data", "name", "problem"),
    [
        (b"[[scenario]\nid=", "broken.toml", "not valid TOML"),
        (b"{", "broken.json", "not valid JSON"),
        (b"id = 1", "bank.yaml", "unknown file type"),
        (b"title = 'no scenarios'", "empty.toml", "no scenarios found"),
        (b"\xff\xfe", "binary.toml", "not UTF-8"),
    ],
)
def test_unreadable_banks_name_the_file(data, name, problem):
    with pytest.raises(BankError) as caught:
        parse_bank(data, name)
    assert str(caught.value).startswith(name) and problem in str(caught.value)


# ---------------------------------------------------------------- files


def test_a_missing_file_is_a_bank_error(tmp_path):
    with pytest.raises(BankError, match="cannot read"):
        load_bank(tmp_path / "absent.toml")


def test_a_bank_over_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 200)
    monkeypatch.setattr(scenarios, "MAX_BANK_BYTES", 100)

    def no_reading(*args, **kwargs):
        raise AssertionError("the bank was opened for reading")

    monkeypatch.setattr(os, "fdopen", no_reading)
    with pytest.raises(BankError, match=r"big.toml: 200 bytes; accepted: a bank of at most 100 bytes"):
        load_bank(big)


def test_an_uploaded_bank_over_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(scenarios, "MAX_BANK_BYTES", 100)
    with pytest.raises(BankError, match="200 bytes"):
        parse_bank(b" " * 200, "upload.toml")


def test_a_directory_is_refused_at_once(tmp_path):
    with pytest.raises(BankError, match="is a directory, not a file"):
        load_bank(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_is_refused_at_once_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "bank.toml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def load() -> None:
        try:
            load_bank(fifo)
        except BankError as error:
            outcome.append(error)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    loader.join(timeout=10)
    if loader.is_alive():
        with open(fifo, "wb"):  # unblock the reader so the thread ends
            pass
        pytest.fail("load_bank waited on the FIFO")
    assert "is a FIFO or a device, not a file" in str(outcome[0])


def test_lab_scenarios_names_the_extra_bank(tmp_path):
    assert env_bank_path({}) is None
    assert env_bank_path({"LAB_SCENARIOS": str(tmp_path / "x.toml")}) == tmp_path / "x.toml"


def test_a_bad_bank_never_hides_the_others(tmp_path, monkeypatch):
    monkeypatch.setattr(scenarios, "BUILTIN_BANK", tmp_path / "missing.toml")
    loaded = available_banks(("mine.toml", FIXTURE_BANK.read_bytes()), environ={})
    assert list(loaded.banks) == ["Uploaded: mine.toml"]
    assert [error.source for error in loaded.errors] == [str(tmp_path / "missing.toml")]


# ---------------------------------------------------------------- `python -m engine scenarios check`


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", "scenarios", "check", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_cli_check_counts_a_valid_bank():
    completed = run_cli(str(FIXTURE_BANK))
    assert completed.returncode == 0, completed.stderr
    assert f"{FIXTURE_BANK}: 4 valid scenarios" in completed.stdout


def test_cli_check_exits_2_naming_every_bad_scenario(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scenario]]\nid = "x"\nkind = "io"\n\n[[scenario]]\nid = "y"\n')
    completed = run_cli(str(bad))
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 2
    assert f"{bad}: scenario 'x': kind: got 'io'; accepted:" in lines[0]
    assert f"{bad}: scenario 'y': " in lines[1]


def test_cli_check_json_verdict():
    verdict = json.loads(run_cli(str(FIXTURE_BANK), "--json").stdout)
    assert verdict["valid"] is True and verdict["count"] == 4


def test_cli_check_passes_the_builtin_bank():
    completed = run_cli(str(BUILTIN_BANK))
    assert completed.returncode == 0, completed.stderr
