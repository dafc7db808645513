"""Saved results: the history of runs, compare chosen runs side by side, delete, export and import.

Everything here reads or writes engine.bench.store; an import is checked in full before anything is saved.
"""

import pandas as pd
import streamlit as st

from engine.bench.presets import PRESET_IDS, get_preset
from engine.errors import InputError
from ui import bench_charts, owner
from ui.bench_view import draw_result, draw_sweep, public_requested, result_store, run_label
from ui.presentation import style_chart

st.session_state.setdefault("results_imported", {})
store = result_store()
public = public_requested()
owner.teacher_panel(public)

st.title("Results")
st.markdown(
    "Every run is saved here with the host and interpreter that produced it. Choose runs to compare them side "
    "by side (the same preset under different interpreters), to export them, or to delete them."
)

with st.expander("Import a result (JSON exported by Concurrency Lab, at most 5 MB)", icon=":material/upload:"):
    upload = st.file_uploader("Result file", type=["json"], key="results_upload")
    if upload is not None:
        imported = st.session_state["results_imported"]
        if upload.file_id not in imported:
            try:
                imported[upload.file_id] = store.import_file(upload.getvalue())
                store.set_owner(imported[upload.file_id], owner.owner_key())
            except InputError as error:
                imported[upload.file_id] = None
                st.session_state["results_import_error"] = f"{upload.name} was not imported: {error}"
        if imported[upload.file_id] is None:
            st.error(st.session_state["results_import_error"], icon=":material/error:")
        else:
            st.success(f"{upload.name} imported as run #{imported[upload.file_id]}.")

records = store.runs()
if not records:
    st.info("No saved runs yet: run a preset on the Benchmark page, or import a result file.")
    st.stop()

history = pd.DataFrame(
    [
        {
            "run": record.id,
            "created (UTC)": record.created_at.replace("T", " ")[:19],
            "preset": get_preset(record.preset).title if record.preset in PRESET_IDS else "custom",
            "kernel": record.kernel,
            "interpreter": record.interpreter,
            "executable": record.executable,
            "source": record.source,
            "sweep": "yes" if record.sweep_group else "",
        }
        for record in records
    ]
)
st.subheader("History")
st.dataframe(history, hide_index=True)

by_id = {record.id: record for record in records}
chosen = st.multiselect(
    "Runs to compare, export or delete",
    list(by_id),
    default=[records[0].id],
    key="results_chosen",
    format_func=lambda run_id: (
        f"#{run_id} {by_id[run_id].preset or by_id[run_id].kernel} - "
        f"{by_id[run_id].interpreter} - {by_id[run_id].created_at[:19]}"
    ),
)
if not chosen:
    st.stop()

results = {run_id: store.load(run_id) for run_id in chosen}
labels = {run_id: run_label(results[run_id], run_id, by_id[run_id].preset) for run_id in chosen}

export_json, export_csv, delete = st.columns(3)
export_json.download_button(
    f"Export run #{chosen[0]} as JSON",
    store.export_json(chosen[0]),
    file_name=f"concurrency-lab-run-{chosen[0]}.json",
    mime="application/json",
    key="results_export_json",
    icon=":material/download:",
)
export_csv.download_button(
    "Export chosen runs as CSV",
    store.export_csv(chosen),
    file_name="concurrency-lab-runs.csv",
    mime="text/csv",
    key="results_export_csv",
    icon=":material/table:",
)
# In public mode a visitor deletes only their own runs (a teacher any); the button says why it is off.
owners = store.owners(chosen)
others = [run_id for run_id in chosen if not owner.may_change(owners.get(run_id), public)]
if (
    delete.button("Delete chosen runs", key="results_delete", icon=":material/delete:", disabled=bool(others))
    and not others
):
    deleted = store.delete(chosen)
    del st.session_state["results_chosen"]
    st.toast(f"Deleted {deleted} run{'s' if deleted != 1 else ''}.")
    st.rerun()
if others:
    delete.caption(
        f"Only your own runs can be deleted: {', '.join(f'#{run_id}' for run_id in others)} "
        f"{'is' if len(others) == 1 else 'are'} another visitor's (the teacher can delete any)."
    )

if len(chosen) > 1:
    st.subheader("Side by side")
    compared = bench_charts.compare_frame([(labels[run_id], results[run_id]) for run_id in chosen])
    st.altair_chart(style_chart(bench_charts.compare_chart(compared)), width="stretch", key="results_compare")
    st.caption("Each run's speedups against its own sequential baseline; the same figures:")
    st.dataframe(compared.pivot_table(index="executor", columns="run", values="speedup", sort=False))

for run_id in chosen:
    record = by_id[run_id]
    result = results[run_id]
    preset = get_preset(record.preset) if record.preset in PRESET_IDS else None
    with st.container(border=True):
        st.subheader(labels[run_id])
        host = result.host
        st.caption(
            f"{host.get('implementation', 'Python')} {host.get('python_version', '?')} at {record.executable} · "
            f"free-threaded build: {'yes' if host.get('free_threaded_build') else 'no'} · "
            f"{host.get('usable_cpus', '?')} usable cores · kernel {result.spec.kernel}, size {result.spec.size}, "
            f"{result.spec.tasks} tasks, {result.spec.workers} workers, "
            f"{max((e.repeats for e in result.executors), default=0)} repeats (at least {result.spec.repeats})."
        )
        if record.sweep_group and preset is not None and preset.sweep != "none":
            st.markdown(f"**The sweep this run belongs to** ({preset.title})")
            draw_sweep(store.load_group(record.sweep_group), preset, key=f"results_sweep_{run_id}")
        draw_result(result, preset, key=f"results_{run_id}")
