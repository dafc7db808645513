"""The question bank: the built-in bank's content rules, validation messages, and `scenarios check`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine.lesson import framework
from engine.lesson.scenarios import BUILTIN_BANK, BankError, builtin_bank, env_bank_path, load_bank, parse_bank

ROOT = Path(__file__).resolve().parent.parent

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

VALID_ENTRY = {
    "id": "tiny",
    "prompt": "Fetch three pages.",
    "kind": "io_bound",
    "best": "asyncio",
    "acceptable": ["threads"],
    "explanation": "It waits.",
    "feedback": {"multiprocessing": "Processes to wait is waste."},
    "difficulty": "easy",
    "tags": ["io"],
    "source": "edge",
    "profile": {
        "workload": "io_bound",
        "latency_ms": 100.0,
        "memory_mb": 256.0,
        "cores": 2,
        "expensive_startup": False,
    },
}


def bank_json(*entries: dict) -> bytes:
    return json.dumps({"scenario": list(entries)}).encode()


def test_builtin_bank_holds_forty_scenarios_with_all_eighteen_from_the_lesson():
    bank = builtin_bank()
    ids = {scenario.id for scenario in bank}
    assert len(bank) >= 40
    assert ids >= LESSON_COLEARNING
    assert ids >= LESSON_WORKSHOP
    assert {s.id for s in bank if s.source == "lesson-colearning"} == LESSON_COLEARNING
    assert {s.id for s in bank if s.source == "lesson-workshop"} == LESSON_WORKSHOP
    assert sum(s.source == "edge" for s in bank) >= 22


def test_builtin_bank_covers_every_kind_and_the_edge_topics():
    bank = builtin_bank()
    assert {scenario.kind for scenario in bank} == set(framework.WORKLOAD_KINDS)
    tags = {tag for scenario in bank for tag in scenario.tags}
    for topic in ("gil-release", "overhead", "memory", "startup", "isolation", "shared-state", "one-core"):
        assert topic in tags
    for topic in ("start-method", "latency", "scale-out"):
        assert topic in tags


def test_every_builtin_scenario_explains_a_tempting_wrong_kind_and_wrong_approach():
    for scenario in builtin_bank():
        wrong = dict(scenario.feedback)
        assert any(answer in framework.WORKLOAD_KINDS for answer in wrong) or scenario.id.startswith("edge_"), (
            scenario.id
        )
        assert sum(answer in framework.APPROACHES for answer in wrong) >= 1, scenario.id
        assert scenario.best not in wrong and scenario.kind not in wrong


def test_decision_path_ends_at_the_scenarios_kind():
    for scenario in builtin_bank():
        path = scenario.decision_path()
        assert path[-1].startswith(f"-> {framework.WORKLOAD_TITLES[scenario.kind]}:"), scenario.id


def test_untrusted_plugins_path_goes_through_the_isolation_question():
    scenario = next(s for s in builtin_bank() if s.id == "edge_untrusted_plugins")
    path = scenario.decision_path()
    assert any("isolated" in line and line.endswith("Yes.") for line in path)


def test_a_valid_json_bank_loads():
    (scenario,) = parse_bank(bank_json(VALID_ENTRY), "mine.json")
    assert scenario.id == "tiny" and scenario.acceptable == ("threads",)
    assert scenario.feedback_for("multiprocessing") == "Processes to wait is waste."
    assert scenario.profile_mapping()["cores"] == 2


def test_a_bare_json_list_is_a_bank_too():
    assert len(parse_bank(json.dumps([VALID_ENTRY]).encode(), "mine.json")) == 1


@pytest.mark.parametrize(
    ("change", "field", "accepted"),
    [
        ({"kind": "io"}, "kind", "io_bound"),
        ({"best": "gevent"}, "best", "free_threaded_asyncio"),
        ({"acceptable": ["celery"]}, "acceptable", "subinterpreters"),
        ({"acceptable": ["asyncio"]}, "acceptable", "other approaches than the best"),
        ({"difficulty": "extreme"}, "difficulty", "easy, medium, hard"),
        ({"source": "blog"}, "source", "lesson-colearning"),
        ({"feedback": {"asyncio": "right one"}}, "feedback.asyncio", "wrong answers only"),
        ({"feedback": {"gevent": "x"}}, "feedback.gevent", "io_bound"),
        ({"tags": "io"}, "tags", "a list"),
        ({"expalnation": "typo"}, "expalnation", "explanation"),
    ],
)
def test_a_bad_field_is_named_with_file_scenario_and_accepted_values(change, field, accepted):
    with pytest.raises(BankError) as caught:
        parse_bank(bank_json({**VALID_ENTRY, **change}), "teacher.json")
    messages = [str(error) for error in caught.value.errors]
    assert any(
        m.startswith(f"teacher.json: scenario 'tiny': {field}") and accepted in m.split("; accepted: ")[1]
        for m in messages
    ), messages


@pytest.mark.parametrize(
    ("profile_change", "field"),
    [
        ({"cores": 0}, "profile.cores"),
        ({"latency_ms": -1}, "profile.latency_ms"),
        ({"expensive_startup": "no"}, "profile.expensive_startup"),
        ({"python_build": "nogil"}, "profile.python_build"),
        ({"workload": "hybrid"}, "profile.workload"),
        ({"threads": 4}, "profile"),
    ],
)
def test_a_bad_profile_field_is_named(profile_change, field):
    entry = {**VALID_ENTRY, "profile": {**VALID_ENTRY["profile"], **profile_change}}
    with pytest.raises(BankError) as caught:
        parse_bank(bank_json(entry), "teacher.json")
    assert any(str(e).startswith(f"teacher.json: scenario 'tiny': {field}:") for e in caught.value.errors)


def test_a_missing_profile_field_says_missing():
    profile = dict(VALID_ENTRY["profile"])
    del profile["cores"]
    with pytest.raises(BankError, match=r"scenario 'tiny': profile.cores: missing"):
        parse_bank(bank_json({**VALID_ENTRY, "profile": profile}), "teacher.json")


def test_every_problem_is_reported_not_only_the_first():
    second = {**VALID_ENTRY, "id": "other", "best": "nope", "difficulty": "?"}
    with pytest.raises(BankError) as caught:
        parse_bank(bank_json({**VALID_ENTRY, "kind": "x"}, second), "teacher.json")
    fields = {str(error).split(": ")[2] for error in caught.value.errors}
    assert {"kind", "best", "difficulty"} <= fields


def test_duplicate_ids_are_refused():
    with pytest.raises(BankError, match="scenario 'tiny': id: used twice"):
        parse_bank(bank_json(VALID_ENTRY, VALID_ENTRY), "teacher.json")


def test_an_entry_without_id_is_named_by_position():
    entry = {key: value for key, value in VALID_ENTRY.items() if key != "id"}
    with pytest.raises(BankError, match=r"scenario '#2': id: missing"):
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


def test_a_missing_file_is_a_bank_error(tmp_path):
    with pytest.raises(BankError, match="cannot read"):
        load_bank(tmp_path / "absent.toml")


def test_lab_scenarios_names_the_extra_bank(tmp_path):
    assert env_bank_path({}) is None
    assert env_bank_path({"LAB_SCENARIOS": str(tmp_path / "x.toml")}) == tmp_path / "x.toml"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", "scenarios", "check", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_cli_check_counts_a_valid_bank():
    completed = run_cli(str(BUILTIN_BANK))
    assert completed.returncode == 0
    assert f"{len(builtin_bank())} valid scenarios" in completed.stdout


def test_cli_check_exits_2_naming_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scenario]]\nid = "x"\nkind = "io"\n')
    completed = run_cli(str(bad))
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert any(f"{bad}: scenario 'x': kind: got 'io'; accepted:" in line for line in lines)
    assert any("scenario 'x': profile: missing" in line for line in lines)


def test_cli_check_json_verdict(tmp_path):
    completed = run_cli(str(BUILTIN_BANK), "--json")
    verdict = json.loads(completed.stdout)
    assert verdict["valid"] is True and verdict["count"] == len(builtin_bank())
