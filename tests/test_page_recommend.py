"""The recommend page without a browser (AppTest): the form leads to an answer, bad input to one error."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.bench import probe

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "app_pages" / "recommend.py")
SUBMIT = "FormSubmitter:rec_form-Recommend"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    return AppTest.from_file(PAGE, default_timeout=30).run()


def test_form_starts_from_this_hosts_usable_cores(app: AppTest) -> None:
    assert not app.exception
    assert app.number_input(key="rec_cores").value == probe.usable_cpus()


def test_form_leads_to_the_recommendation_with_its_panels(app: AppTest) -> None:
    app.selectbox(key="rec_workload").set_value("hybrid")
    app.number_input(key="rec_cores").set_value(4)
    app.number_input(key="rec_memory").set_value(256.0)
    app.button(key=SUBMIT).click().run()
    assert not app.exception
    assert "free_threaded_asyncio" in app.success[0].value
    assert [tab.label for tab in app.tabs] == [
        "Decision path",
        "Estimates",
        "Alternatives",
        "Benchmark template",
        "Migration guide",
    ]
    dot = app.get("graphviz_chart")[0].proto.spec
    assert 'cpu_too -> hybrid [label="yes", penwidth=3' in dot
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Memory added by the workers"] == "0.064 MB"
    assert metrics["Expected speedup"] != metrics["Ideal bound"]
    assert any("Basis:" in caption.value and "16 KiB" in caption.value for caption in app.caption)
    assert "def compute(data)" in app.code[0].value


def test_gil_build_answer_on_the_page_is_the_fallback(app: AppTest) -> None:
    app.selectbox(key="rec_workload").set_value("cpu_parallel_shared")
    app.selectbox(key="rec_build").set_value("gil")
    app.button(key=SUBMIT).click().run()
    assert "`multiprocessing`" in app.success[0].value


def test_helper_questions_fill_in_the_workload_type(app: AppTest) -> None:
    app.radio(key="rec_wait_share").set_value("mostly_computing")
    app.checkbox(key="rec_splits").check()
    app.run()
    assert "cpu_parallel_isolated" in app.info[0].value
    app.button(key="rec_use_kind").click().run()
    assert app.selectbox(key="rec_workload").value == "cpu_parallel_isolated"


def test_benchmark_button_opens_the_benchmark_page_with_the_matching_preset() -> None:
    whole_app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    whole_app.switch_page("app_pages/recommend.py").run()
    whole_app.selectbox(key="rec_workload").set_value("io_bound")
    whole_app.button(key=SUBMIT).click().run()
    whole_app.button(key="rec_open_bench").click().run()
    assert not whole_app.exception
    assert [title.value for title in whole_app.title] == ["Benchmark"]
    assert whole_app.subheader[0].value == "Waiting on I/O"


def test_worker_memory_and_beyond_one_machine_start_unsaid(app: AppTest) -> None:
    assert app.number_input(key="rec_worker_memory").value == 0.0
    assert app.radio(key="rec_beyond").value == "unsaid"
    assert app.number_input(key="rec_worker_memory").help
    assert app.radio(key="rec_beyond").help


def test_users_worker_figure_on_the_page_lowers_the_pool(app: AppTest) -> None:
    app.selectbox(key="rec_workload").set_value("cpu_parallel_isolated")
    app.number_input(key="rec_cores").set_value(8)
    app.number_input(key="rec_memory").set_value(300.0)
    app.number_input(key="rec_worker_memory").set_value(60.0)
    app.button(key=SUBMIT).click().run()
    assert not app.exception
    assert "`multiprocessing`" in app.success[0].value
    assert any("5 worker(s) x 60.000 MB" in caption.value and "your figure" in caption.value for caption in app.caption)


def test_outgrowing_one_machine_on_the_page_gives_distributed(app: AppTest) -> None:
    app.selectbox(key="rec_workload").set_value("cpu_parallel_isolated")
    app.radio(key="rec_beyond").set_value("yes")
    app.button(key=SUBMIT).click().run()
    assert not app.exception
    assert "`distributed`" in app.success[0].value
    assert any("Beyond one machine (beyond_one_machine = yes)" in markdown.value for markdown in app.markdown)


def test_measuring_the_host_feeds_its_own_figures_into_the_estimates(app: AppTest) -> None:
    app.selectbox(key="rec_workload").set_value("cpu_parallel_isolated")
    app.button(key=SUBMIT).click().run()
    assert app.expander[-1].label.startswith("This host is not calibrated")
    before = " ".join(caption.value for caption in app.caption)
    assert "a default measured on the development host" in before and "measured on this host" not in before
    assert "FACTS.md" not in before
    app.button(key="rec_calibrate").click().run(timeout=120)
    assert not app.exception
    assert any(expander.label == "This host's measured costs" for expander in app.expander)
    after = " ".join(caption.value for caption in app.caption)
    assert "measured on this host" in after
