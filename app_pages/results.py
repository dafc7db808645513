"""Saved results: the history a page at a time, compare chosen runs side by side, delete, export and import.

Everything here reads or writes engine.bench.store; an import is checked in full (engine.bench.result_import)
before anything is saved. A delete asks first and deletes exactly the runs its question lists. Text from saved
runs and uploads is drawn as text (ui.safe), never as Markdown.
"""

import pandas as pd
import streamlit as st

from engine.bench.presets import PRESET_IDS, get_preset
from engine.bench.result_import import MAX_IMPORT_BYTES
from engine.bench.store import HISTORY_PAGE, page_count
from engine.bench.variants import Comparison
from engine.errors import InputError
from ui import bench_charts, owner
from ui.bench_view import draw_comparison, draw_result, draw_sweep, public_requested, result_store
from ui.presentation import chart_size, style_chart
from ui.safe import plain

st.session_state.setdefault("results_imported", {})
store = result_store()
public = public_requested()
owner.teacher_panel(public)


def not_mine(run_ids) -> list[int]:
    """The runs among `run_ids` this visitor may not delete (public mode: another visitor's, unless a teacher)."""
    owners = store.owners(list(run_ids))
    return [run_id for run_id in run_ids if not owner.may_change(owners.get(run_id), public)]


def ask_delete() -> None:
    st.session_state["results_pending_delete"] = tuple(st.session_state["results_chosen"])


def confirm_delete(run_ids: tuple[int, ...]) -> None:
    """Delete exactly the runs the question listed, each checked again for its owner; none of them stays chosen."""
    st.session_state.pop("results_pending_delete", None)
    if others := not_mine(run_ids):
        st.session_state["results_refused"] = (
            f"Nothing was deleted: {', '.join(f'#{run_id}' for run_id in others)} "
            f"{'is' if len(others) == 1 else 'are'} another visitor's (the teacher can delete any)."
        )
        return
    deleted = store.delete(run_ids)
    st.session_state["results_chosen"] = [i for i in st.session_state["results_chosen"] if i not in run_ids]
    st.session_state.pop("results_pending_delete", None)
    st.session_state["results_notice"] = f"Deleted {deleted} run{'s' if deleted != 1 else ''}."


st.title("Results")
st.markdown(
    "Every run is saved here with the host and interpreter that produced it. Choose runs to compare them side "
    "by side (the same preset under different interpreters), to export them, or to delete them."
)

with st.expander(
    f"Import results (JSON exported by Concurrency Lab, at most {MAX_IMPORT_BYTES // 2**20} MB)",
    icon=":material/upload:",
):
    upload = st.file_uploader("Result file or export bundle", type=["json"], key="results_upload")
    if upload is not None:
        imported = st.session_state["results_imported"]
        if upload.file_id not in imported:
            try:
                # The runs it adds belong to the importer (one already saved keeps its owner).
                imported[upload.file_id] = store.import_runs(upload.getvalue(), owner=owner.owner_key())
            except InputError as error:
                imported[upload.file_id] = f"{upload.name} was not imported: {error}"
        outcome = imported[upload.file_id]
        if isinstance(outcome, str):
            st.error(plain(outcome), icon=":material/error:")
        for run in () if isinstance(outcome, str) else outcome:
            said = "is already saved as" if run.duplicate else "imported as"
            message = plain(f"{upload.name}: {run.label} {said} run #{run.run_id}.")
            (st.info if run.duplicate else st.success)(message)

if notice := st.session_state.pop("results_notice", None):
    st.success(notice)
if refused := st.session_state.pop("results_refused", None):
    st.error(refused, icon=":material/block:")
total = store.count()
if not total:
    st.info("No saved runs yet: run a preset on the Benchmark page, or import a result file.")
    st.stop()

st.subheader("History")
pages = page_count(total)
page = st.number_input("History page", 1, pages, 1, key="results_page") if pages > 1 else 1
records = store.runs(limit=HISTORY_PAGE, offset=(page - 1) * HISTORY_PAGE)
st.caption(f"Runs {(page - 1) * HISTORY_PAGE + 1}-{(page - 1) * HISTORY_PAGE + len(records)} of {total}, newest first.")
history = pd.DataFrame(
    [
        {
            "run": record.id,
            "created (UTC)": record.created_at.replace("T", " ")[:19],
            "title": record.label,
            "preset": get_preset(record.preset).title if record.preset in PRESET_IDS else "custom",
            "kernel": record.kernel,
            "executable": record.executable,
            "source": record.source,
            "sweep": "yes" if record.sweep_group else "",
            "comparison": "yes" if record.kind == "comparison" else "",
        }
        for record in records
    ]
)
st.dataframe(history, hide_index=True, key="results_history")

# Only runs still saved stay chosen: a deleted run is never shown nor acted on.
kept = store.records(st.session_state.get("results_chosen", [records[0].id]))
st.session_state["results_chosen"] = [record.id for record in kept]
by_id = {record.id: record for record in [*kept, *records]}
chosen = st.multiselect(
    "Runs to compare, export or delete",
    list(by_id),
    key="results_chosen",
    format_func=lambda run_id: f"#{run_id} {by_id[run_id].label} - {by_id[run_id].created_at[:19]}",
)
if st.session_state.get("results_pending_delete", tuple(chosen)) != tuple(chosen):
    st.session_state.pop("results_pending_delete")  # the question was about another choice
if not chosen:
    st.stop()

export_json, export_csv, delete = st.columns(3)
export_json.download_button(
    "Export as JSON",
    store.export_bundle(chosen),
    file_name="concurrency-lab-runs.json",
    mime="application/json",
    key="results_export_json",
    icon=":material/download:",
    help="One file with every chosen run, its preset and title; the Results page and `results import` read it.",
)
export_csv.download_button(
    "Export as CSV",
    store.export_csv(chosen),
    file_name="concurrency-lab-runs.csv",
    mime="text/csv",
    key="results_export_csv",
    icon=":material/table:",
)
# In public mode a visitor deletes only their own runs (a teacher any); the button says why it is off.
others = not_mine(chosen)
delete.button("Delete…", key="results_delete", icon=":material/delete:", on_click=ask_delete, disabled=bool(others))
if others:
    delete.caption(
        f"Only your own runs can be deleted: {', '.join(f'#{run_id}' for run_id in others)} "
        f"{'is' if len(others) == 1 else 'are'} another visitor's (the teacher can delete any)."
    )
if pending := st.session_state.get("results_pending_delete"):
    with st.container(border=True):
        st.warning(f"Delete these {len(pending)} runs? This cannot be undone.", icon=":material/delete:")
        st.text("\n".join(f"#{run_id} {by_id[run_id].label}" for run_id in pending))
        yes, no = st.columns(2)
        yes.button(
            "Delete them", key="results_delete_confirm", type="primary", on_click=confirm_delete, args=(pending,)
        )
        no.button(
            "Keep them", key="results_delete_cancel", on_click=st.session_state.pop, args=("results_pending_delete",)
        )

results = {}
for run_id in chosen:
    try:
        results[run_id] = store.load(run_id)
    except InputError as error:
        st.error(plain(f"Run #{run_id} cannot be shown: {error}"), icon=":material/error:")
labels = {run_id: f"#{run_id} {by_id[run_id].label}" for run_id in results}

if len(results) > 1:
    st.subheader("Side by side")
    compared = bench_charts.compare_frame([(labels[run_id], results[run_id]) for run_id in results])
    compare = bench_charts.compare_chart(compared, chart_size())
    st.altair_chart(style_chart(compare), width="stretch", key="results_compare")
    st.caption("Each run's speedups against its own sequential baseline; the same figures:")
    st.dataframe(compared.pivot_table(index="executor", columns="run", values="speedup", sort=False))

for run_id, result in results.items():
    record = by_id[run_id]
    preset = get_preset(record.preset) if record.preset in PRESET_IDS else None
    with st.container(border=True):
        st.subheader(plain(labels[run_id]))
        if isinstance(result, Comparison):
            draw_comparison(result, preset, key=f"results_{run_id}")
            continue
        host = result.host
        st.text(
            f"{host.get('implementation', 'Python')} {host.get('python_version', '?')} at {record.executable} · "
            f"free-threaded build: {'yes' if host.get('free_threaded_build') else 'no'} · "
            f"{host.get('usable_cpus', '?')} usable cores · kernel {result.spec.kernel}, size {result.spec.size}, "
            f"{result.spec.tasks} tasks, {result.spec.workers} workers, "
            f"{max((e.repeats for e in result.executors), default=0)} repeats (at least {result.spec.repeats})."
        )
        if record.sweep_group and preset is not None and preset.sweep != "none":
            st.markdown(f"**The sweep this run belongs to** ({plain(preset.title)})")
            draw_sweep(store.load_group(record.sweep_group), preset, key=f"results_sweep_{run_id}")
        draw_result(result, preset, key=f"results_{run_id}")
