"""The Class page under AppTest: three machines side by side, a bad upload in one line, text drawn as text, the QR
code's payload, public mode's bounds and the teacher's clear."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import streamlit
from streamlit.testing.v1 import AppTest

from engine.bench.classroom import ClassBoard
from tests.bench_fakes import make_result
from ui.safe import plain

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "class.py")
APP_URL = "http://127.0.0.1:8501/class"
JOIN = "http://127.0.0.1:8501/class?class=CS-101"


@pytest.fixture
def board(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ClassBoard:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LAB_PUBLIC", raising=False)
    monkeypatch.delenv("LAB_TEACHER_KEY", raising=False)
    return ClassBoard(tmp_path / "results.sqlite3")


def open_class(code: str = "cs-101") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.query_params["class"] = code
    at.context = {"url": APP_URL}
    return at.run()


def machine(usable_cpus: int, gil_enabled: bool, speedup: float, python_version: str) -> bytes:
    """A result as one student's machine exported it: its own cores, build and speedups."""
    medians = {"sequential": 1.0, "threads": 1.0 / speedup, "processes": 1.0 / min(speedup * 1.2, usable_cpus)}
    result = make_result(medians, usable_cpus=usable_cpus, gil_enabled=gil_enabled, python_version=python_version)
    return json.dumps(result.to_dict()).encode()


# The tables in the order the page draws them: the subset's fields, then per group its points, spread and builds.
TABLES = ("class_subset", "class_points_0", "class_spread_0", "class_builds_0")


def table(at: AppTest, key: str) -> object:
    """The DataFrame of the table drawn with `key` (AppTest does not expose a table's key)."""
    return at.dataframe[TABLES.index(key)].value


def upload(at: AppTest, nickname: str, files: list[tuple[str, bytes]]) -> AppTest:
    at.text_input(key="class_nickname").set_value(nickname)
    at.get("file_uploader")[0].set_value([(name, data, "application/json") for name, data in files])
    return at.run()


def test_three_machines_appear_side_by_side_per_executor(board: ClassBoard) -> None:
    at = open_class()
    assert not at.exception and at.info[0].value == "No results on this board yet."
    at = upload(at, "ada", [("two.json", machine(2, True, 0.95, "3.12.4"))])
    at = upload(at, "bob", [("four.json", machine(4, False, 3.6, "3.14.0"))])
    at = upload(at, "cy", [("eight.json", machine(8, False, 6.5, "3.13.2"))])
    assert not at.exception and not at.error
    assert [message.value for message in at.success] == ["eight.json: 1 result(s) added as cy."]
    assert [header.value for header in at.subheader] == ["Join this class", "Add your results", "primes, size 20000"]
    points = table(at, "class_points_0")
    threads = points[points["executor"] == "threads"].set_index("machine")
    assert threads["usable cores"].to_dict() == {"ada (#1)": 2, "bob (#2)": 4, "cy (#3)": 8}
    assert threads["speedup"].round(2).to_dict() == {"ada (#1)": 0.95, "bob (#2)": 3.6, "cy (#3)": 6.5}
    assert threads["build"].to_dict() == {"ada (#1)": "GIL", "bob (#2)": "free-threaded", "cy (#3)": "free-threaded"}
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["facet"]["field"] == "executor" and spec["facet"]["sort"] == ["threads", "processes"]
    layers = spec["spec"]["layer"]
    assert [layer["mark"]["type"] for layer in layers] == ["line", "rule", "point"]
    assert layers[0]["encoding"]["y"]["field"] == "ideal", "the ideal line y = x"
    assert layers[2]["encoding"]["x"]["field"] == "usable cores" and layers[2]["encoding"]["y"]["field"] == "speedup"
    spread = table(at, "class_spread_0").set_index("executor")
    assert spread.loc["threads", "machines"] == 3 and spread.loc["threads", "median"] == pytest.approx(3.6)
    assert (spread.loc["threads", "lowest"], spread.loc["threads", "highest"]) == (0.95, 6.5)
    builds = table(at, "class_builds_0")
    assert builds[["python", "build", "GIL", "usable cores"]].values.tolist() == [
        ["3.12.4", "GIL", "enabled", 2],
        ["3.14.0", "free-threaded", "disabled", 4],
        ["3.13.2", "free-threaded", "disabled", 8],
    ]


def test_a_bad_upload_gets_one_line_and_nothing_is_saved(board: ClassBoard) -> None:
    document = json.loads(machine(2, True, 1.0, "3.12.4"))
    document["host"]["usable_cpus"] = "abc"
    at = upload(open_class(), "ada", [("bad.json", json.dumps(document).encode())])
    assert not at.exception
    (error,) = at.error
    assert error.value == (
        "bad.json was not added: class result: host.usable_cpus: got 'abc'; accepted: a whole number"
    ), "one line, naming the field and what is accepted (escaped for Markdown)"
    assert board.entries("cs-101") == []


def test_text_from_an_upload_is_drawn_as_text(board: ClassBoard) -> None:
    nickname = "![x](http://127.0.0.1:9/x.png)"
    at = upload(open_class(), nickname, [("[a](http://e).json", machine(2, True, 1.5, "3.12.4"))])
    assert not at.exception
    shown = at.success[0].value
    assert shown == plain(f"[a](http://e).json: 1 result(s) added as {nickname}.")
    assert "\\[x\\]" in shown and "![" not in shown, "no image or link survives the escape"
    machines = table(at, "class_points_0")["machine"].tolist()
    assert machines == [f"{nickname} (#1)"] * 2, "tables hold the text as written"
    assert all(nickname not in markdown.value for markdown in at.markdown)


def test_a_bad_class_code_in_the_address_gets_one_line(board: ClassBoard) -> None:
    at = open_class("[x](http://evil)")
    assert not at.exception
    assert [error.value for error in at.error] == [
        "class code: does not fit; accepted: letters, digits and dashes, 1 to 24 characters"
    ]


def test_the_qr_code_encodes_the_join_link(board: ClassBoard, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    drawn: list[bytes] = []
    real_image = streamlit.image

    def recording_image(image: bytes, *args: object, **kwargs: object) -> object:
        drawn.append(image)
        return real_image(image, *args, **kwargs)

    monkeypatch.setattr(streamlit, "image", recording_image)
    at = open_class()
    assert [code.value for code in at.code] == [JOIN]
    assert at.get("image")[0].proto.imgs[0].caption == "Scan to open this class"
    (png,) = drawn
    assert png.startswith(b"\x89PNG")
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg is not installed (apt-get install -y zbar-tools): the QR code was not decoded")
    (tmp_path / "qr.png").write_bytes(png)
    decoded = subprocess.run([zbarimg, "--quiet", "--raw", str(tmp_path / "qr.png")], capture_output=True, text=True)
    assert decoded.returncode == 0, decoded.stderr
    assert decoded.stdout.strip() == JOIN


def test_public_mode_bounds_each_visitor(board: ClassBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_PUBLIC", "1")
    files = [(f"run{index}.json", machine(2, True, 1.1, "3.12.4")) for index in range(11)]
    at = upload(open_class(), "ada", files)
    assert not at.exception
    assert len(at.success) == 10
    assert [error.value for error in at.error] == [
        "run10.json was not added: file: would make 11 results of yours; accepted: at most 10 a class"
    ]
    assert len(board.entries("cs-101")) == 10


def test_only_the_teacher_clears_a_public_board(board: ClassBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_PUBLIC", "1")
    monkeypatch.setenv("LAB_TEACHER_KEY", "front-row")
    board.add_file("cs-101", "o", "ada", "a.json", machine(2, True, 1.1, "3.12.4"), public=True)
    board.add_file("bio", "o", "ada", "a.json", machine(2, True, 1.1, "3.12.4"), public=True)
    at = open_class()
    assert at.get("download_button")[0].proto.label == "Export the board as JSON"
    assert not [box for box in at.checkbox if box.key == "class_clear_sure"], "no clear without the key"
    at.text_input(key="class_teacher_key").set_value("back-row").run()
    assert at.error[0].value.startswith("Teacher key: not accepted")
    at.text_input(key="class_teacher_key").set_value("front-row").run()
    at.checkbox(key="class_clear_sure").check().run()
    at.button(key="class_clear").click().run()
    assert not at.exception
    assert board.entries("cs-101") == [] and len(board.entries("bio")) == 1


def test_uploads_count_under_the_browsers_owner_key_not_the_nickname(
    board: ClassBoard, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from ui.owner import OWNER_STATE

    monkeypatch.setenv("LAB_PUBLIC", "1")
    one, other = "1" * 32, "2" * 32
    at = AppTest.from_file(PAGE, default_timeout=30)
    at.session_state[OWNER_STATE] = one
    at.query_params["class"] = "cs-101"
    at = upload(at.run(), "ada", [(f"run{index}.json", machine(2, True, 1.1, "3.12.4")) for index in range(10)])
    assert len(at.success) == 10
    at = upload(at, "bob", [("more.json", machine(2, True, 1.2, "3.12.4"))])
    assert [error.value for error in at.error] == [
        "more.json was not added: file: would make 11 results of yours; accepted: at most 10 a class"
    ], "a new nickname is the same browser: its bound holds"
    second = AppTest.from_file(PAGE, default_timeout=30)
    second.session_state[OWNER_STATE] = other
    second.query_params["class"] = "cs-101"
    second = upload(second.run(), "ada", [("mine.json", machine(4, True, 1.3, "3.12.4"))])
    assert not second.error, "another browser with the same nickname has its own bound"
    with sqlite3.connect(tmp_path / "results.sqlite3") as connection:
        owners = {row[0] for row in connection.execute("SELECT owner FROM class_entries")}
    assert owners == {one, other}


def test_the_teacher_is_the_shared_rate_limited_gate(board: ClassBoard, monkeypatch: pytest.MonkeyPatch) -> None:
    import secrets

    from engine.bench.access import ATTEMPTS_PER_VISITOR
    from ui import owner

    monkeypatch.setenv("LAB_PUBLIC", "1")
    key = secrets.token_hex(8)  # a fresh key: a fresh gate, no other test's attempts
    monkeypatch.setenv("LAB_TEACHER_KEY", key)
    board.add_file("cs-101", "o", "ada", "a.json", machine(2, True, 1.1, "3.12.4"), public=True)
    at = open_class()
    for attempt in range(ATTEMPTS_PER_VISITOR):
        at.text_input(key="class_teacher_key").set_value(f"wrong-{attempt}").run()
        at.run()  # a rerun with the same wrong key is not another attempt
        assert at.error[0].value.startswith("Teacher key: not accepted")
    at.text_input(key="class_teacher_key").set_value(key).run()
    assert at.error[0].value.startswith("Too many attempts at the teacher key from this browser")
    assert not [box for box in at.checkbox if box.key == "class_clear_sure"]
    # A teacher signed in elsewhere (the sidebar's form on another page, the same gate) needs no key here.
    signed_in = AppTest.from_file(PAGE, default_timeout=30)
    signed_in.session_state[owner.OWNER_STATE] = "3" * 32
    signed_in.query_params["class"] = "cs-101"
    owner._gate_for(key).attempt("3" * 32, key)
    signed_in = signed_in.run()
    assert [box.key for box in signed_in.checkbox if box.key == "class_clear_sure"] == ["class_clear_sure"]
