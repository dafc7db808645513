"""The class board: students upload what they measured on their own machines; everyone sees speedup against cores.

A class code (in the address as ?class=CODE, not secret) keeps two classes on one server apart; a join link and
its QR code bring students to it. engine.bench.classroom reads, bounds, stores and groups the uploads; text from
them reaches the screen as text only (tables, or escaped).
"""

import pandas as pd
import streamlit as st

from engine.bench import classroom
from engine.bench.access import TooManyAttempts
from engine.bench.intervals import LEVEL_TEXT
from engine.errors import InputError
from ui import class_view
from ui.bench_view import public_requested
from ui.presentation import style_chart
from ui.safe import plain

st.session_state.setdefault("class_added", {})
st.session_state.setdefault("class_code", st.query_params.get("class", ""))
board = class_view.class_board()
public = public_requested()

st.title("Class")
st.markdown(
    "The same benchmark on every student's machine, pooled on one board: each machine's speedup against its "
    "usable cores, per executor, with the class's spread and who ran which build. Run the benchmark template "
    "from the Recommend page with `--json result.json` (or export a run from Results), then upload the file here."
)

with st.expander("What a result file holds (the class-result subset)", icon=":material/data_object:"):
    st.dataframe(pd.DataFrame(classroom.SUBSET_FIELDS, columns=["field", "holds"]), hide_index=True, key="class_subset")
    st.caption("The template's --json writes exactly this; an app export or export bundle is reduced to it on upload.")

entered = st.text_input("Class code", key="class_code", help=f"Chosen by the teacher: {classroom.CODE_ACCEPTED}.")
if not entered.strip():
    st.info("Teacher: choose a short class code. Student: type the code on the projector, or open the join link.")
    st.stop()
try:
    code = classroom.check_class_code(entered)
except InputError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()
if st.query_params.get("class") != code:
    st.query_params["class"] = code

join, upload = st.columns([1, 2])
with join:
    st.subheader("Join this class")
    address = class_view.app_address()
    if address is None:
        st.info("The app's address is not known to this session, so there is no join link to show.")
    else:
        link = classroom.join_link(address, code)
        st.code(link, language=None, wrap_lines=True)
        st.image(class_view.qr_png(link), caption="Scan to open this class", width=280, output_format="PNG")

with upload:
    st.subheader("Add your results")
    limits = (
        f"at most {classroom.PUBLIC_FILES_PER_VISITOR} results each, {classroom.PUBLIC_UPLOAD_BYTES // 2**20} MB a file"
        if public
        else f"{classroom.LOCAL_UPLOAD_BYTES // 2**20} MB a file"
    )
    st.caption(f"JSON from the template's --json or the app's export; {limits}.")
    nickname_text = st.text_input("Your nickname", key="class_nickname", help=classroom.NICKNAME_ACCEPTED)
    files = st.file_uploader("Result files", type=["json"], accept_multiple_files=True, key="class_upload") or []
    nickname = None
    if files:
        try:
            nickname = classroom.check_nickname(nickname_text)
        except InputError as error:
            st.error(str(error), icon=":material/error:")
    for file in files if nickname else []:
        added = st.session_state["class_added"]
        if (code, file.file_id) not in added:
            try:
                ids = board.add_file(
                    code, class_view.visitor_owner(), nickname, file.name, file.getvalue(), public=public
                )
                added[code, file.file_id] = (True, f"{file.name}: {len(ids)} result(s) added as {nickname}.")
            except InputError as error:
                added[code, file.file_id] = (False, f"{file.name} was not added: {error}")
        ok, message = added[code, file.file_id]
        if ok:
            st.success(plain(message), icon=":material/check_circle:")
        else:
            st.error(plain(message), icon=":material/error:")

entries = board.entries(code)
st.header(f"Board of class {code}")
if not entries:
    st.info("No results on this board yet.")
for number, group in enumerate(classroom.group_entries(entries)):
    st.subheader(group.label)
    points = class_view.points_frame(group)
    st.caption(
        f"{len(group.entries)} machine(s). Each point is one machine's measured speedup (its baseline's median over "
        "the executor's); the dashed line is the ideal, a speedup equal to the usable cores, which CPU work cannot "
        f"pass. Bars: each machine's own interval (the app's {LEVEL_TEXT} interval, or the template's lowest to "
        "highest round)."
    )
    if points.empty:
        st.info("These results hold only their baseline: no speedup to draw.")
        continue
    chart, table = st.columns([3, 2])
    chart.altair_chart(style_chart(class_view.class_chart(points)), key=f"class_chart_{number}")
    table.dataframe(points, hide_index=True, key=f"class_points_{number}")
    st.markdown("**The class's spread** per executor (median, quartiles from two machines on, lowest and highest)")
    st.dataframe(class_view.spread_frame(group), hide_index=True, key=f"class_spread_{number}")
    st.markdown("**Who ran which build**")
    st.dataframe(class_view.builds_frame(group.entries), hide_index=True, key=f"class_builds_{number}")

with st.expander("Teacher: export or clear this board", icon=":material/school:"):
    st.warning(
        "Streamlit Community Cloud keeps no files across a restart of the app: export the board to keep it.",
        icon=":material/save:",
    )
    st.download_button(
        "Export the board as JSON",
        board.export_json(code),
        file_name=f"class-{code}.json",
        mime="application/json",
        key="class_export",
        icon=":material/download:",
    )
    allowed = not public
    if public:
        key = st.text_input("Teacher key", type="password", key="class_teacher_key")
        refused = None
        try:
            allowed = class_view.is_teacher(key)  # the server's rate-limited teacher gate (ui.owner)
        except TooManyAttempts as error:
            allowed, refused = False, error
        if refused is not None:
            st.error(plain(refused), icon=":material/timer:")
        elif key and not allowed:
            st.error("Teacher key: not accepted; accepted: the key set as LAB_TEACHER_KEY or the teacher_key secret.")
    if allowed:
        sure = st.checkbox(f"Yes, remove every result of class {code}", key="class_clear_sure")
        if st.button("Clear the board", key="class_clear", disabled=not sure, icon=":material/delete:"):
            st.toast(f"Removed {board.clear(code)} result(s) from class {code}.")
            st.session_state["class_added"] = {}
            st.rerun()
