"""`python -m engine results list|show|export|import|delete`: the saved history (LAB_DATA_DIR) from a terminal.

Adapters only: engine.bench.store keeps the runs and engine.bench.result_import checks every file. A bulk
import saves the good files and names each refused one with its reason on stderr (exit 2 if any was refused);
a delete or export of an id that is not saved changes and writes nothing. Text from files is printed with its
control characters escaped, so a crafted label cannot drive the terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from engine.bench.result_import import read_result_path
from engine.bench.results import BenchResult
from engine.bench.store import ResultStore, RunRecord
from engine.bench.variants import Comparison
from engine.errors import InputError

PROG = "python -m engine results"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "results", help="list, show, export, import or delete saved runs (the Results page's history)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the saved runs, newest first")
    listing.add_argument("--limit", default=None, help="at most this many runs (default: all)")
    listing.add_argument("--offset", default="0", help="skip this many of the newest first (default 0)")
    listing.add_argument("--json", action="store_true", help="print the runs as a JSON list")
    listing.set_defaults(run=run_list)
    show = actions.add_parser("show", help="one run: its host, executors, speedups and bands")
    show.add_argument("id", help="a run id from `results list`")
    show.add_argument("--json", action="store_true", help="print the run and its full result as JSON")
    show.set_defaults(run=run_show)
    export = actions.add_parser("export", help="runs as one export bundle (keeps preset and title), or CSV")
    export.add_argument("ids", nargs="+", metavar="ID", help="run ids from `results list`")
    export.add_argument(
        "--format", choices=("bundle", "result", "csv"), default="bundle", help="bundle (default), result (one ID), csv"
    )
    export.add_argument("--output", "-o", default=None, help="write to this file (default: stdout)")
    export.set_defaults(run=run_export)
    importing = actions.add_parser("import", help="import result files or export bundles; exit 2 if any is refused")
    importing.add_argument("files", nargs="+", metavar="FILE", help="JSON results or export bundles")
    importing.add_argument("--json", action="store_true", help="print what was imported and refused as JSON")
    importing.set_defaults(run=run_import)
    delete = actions.add_parser("delete", help="delete saved runs by id (all must exist, or nothing is deleted)")
    delete.add_argument("ids", nargs="+", metavar="ID", help="run ids from `results list`")
    delete.add_argument("--json", action="store_true", help="print the deleted runs as JSON")
    delete.set_defaults(run=run_delete)


def run_list(args: argparse.Namespace) -> int:
    limit = None if args.limit is None else _count("--limit", args.limit)
    records = ResultStore().runs(limit=limit, offset=_count("--offset", args.offset))
    if args.json:
        print(json.dumps([_record_json(record) for record in records], indent=2))
        return 0
    if not records:
        print("No saved runs.")
    for record in records:
        print(f"#{record.id:<5} {record.created_at[:19]:<19}  {record.source:<6}  {_plain(record.label)}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    store = ResultStore()
    (run_id,) = _existing(store, [args.id])
    record = store.records([run_id])[0]
    result = store.load(run_id)
    if args.json:
        print(json.dumps({**_record_json(record), "result": result.to_dict()}, indent=2))
        return 0
    print(f"#{record.id} {_plain(record.label)}")
    if isinstance(result, Comparison):
        # One run across interpreters: each variant's result under its label, then the single-thread cost.
        for variant, run in zip(result.variants, result.runs, strict=True):
            print(f"== {_plain(variant.label)} ({_plain(variant.python)}, gil={variant.gil})")
            _show_result(run)
        cost = result.single_thread_cost()
        if cost is not None:
            print(_plain(cost.sentence))
        return 0
    _show_result(result)
    return 0


def _show_result(result: BenchResult) -> None:
    host = result.host
    print(
        f"kernel {result.spec.kernel}, size {result.spec.size}, {result.spec.tasks} tasks, {result.spec.workers} "
        f"workers; Python {_plain(str(host.get('python_version', '?')))}, {host.get('usable_cpus', '?')} usable cores"
    )
    for entry in result.executors:
        speedup = "-" if entry.speedup is None else f"{entry.speedup:.2f}x"
        median = "-" if entry.median_s is None else f"{entry.median_s:.4g} s"
        note = entry.error or entry.unavailable or entry.band or ""
        print(f"  {_plain(entry.label):<30} {median:>12} {speedup:>8}  {_plain(note)}")
    for warning in result.warnings:
        print(f"  warning: {_plain(warning)}")


def run_export(args: argparse.Namespace) -> int:
    store = ResultStore()
    run_ids = _existing(store, args.ids)
    if args.format == "result":
        if len(run_ids) != 1:
            raise InputError("ID", f"got {len(run_ids)} ids", "one id with --format result (a bundle holds several)")
        text = store.export_json(run_ids[0])
    elif args.format == "csv":
        text = store.export_csv(run_ids)
    else:
        text = store.export_bundle(run_ids)
    if args.output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"Wrote {len(run_ids)} run{'s' if len(run_ids) != 1 else ''} to {args.output}", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    store = ResultStore()
    imported: list[dict[str, Any]] = []
    refused: list[dict[str, str]] = []
    for file in args.files:
        try:
            runs = read_result_path(file)
        except InputError as error:
            refused.append({"file": file, "error": str(error)})
            print(f"{PROG} import: error: {_plain(file)}: {error}", file=sys.stderr)
            continue
        for outcome in store.save_imported(runs):
            imported.append(
                {"file": file, "run_id": outcome.run_id, "label": outcome.label, "duplicate": outcome.duplicate}
            )
            if not args.json:
                said = "already saved as" if outcome.duplicate else "imported as"
                print(f"{_plain(file)}: {said} run #{outcome.run_id} ({_plain(outcome.label)})")
    if args.json:
        print(json.dumps({"imported": imported, "refused": refused}, indent=2))
    return 2 if refused else 0


def run_delete(args: argparse.Namespace) -> int:
    store = ResultStore()
    run_ids = _existing(store, args.ids)
    records = store.records(run_ids)
    store.delete(run_ids)
    if args.json:
        print(json.dumps([_record_json(record) for record in records], indent=2))
    for record in records if not args.json else ():
        print(f"Deleted run #{record.id} ({_plain(record.label)})")
    return 0


def _existing(store: ResultStore, texts: list[str]) -> list[int]:
    """The ids, each a saved run's (InputError naming the first that is not, before anything changes)."""
    run_ids = list(dict.fromkeys(_count("ID", text) for text in texts))
    saved = {record.id for record in store.records(run_ids)}
    for run_id in run_ids:
        if run_id not in saved:
            raise InputError("ID", f"no saved run has id {run_id}", "the id of a run in `results list`")
    return run_ids


def _count(field: str, text: str) -> int:
    if not text.isdigit():
        raise InputError(field, f"got {text[:40]!r}", "a whole number >= 0")
    return int(text)


def _record_json(record: RunRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "label": record.label,
        "preset": record.preset,
        "title": record.title,
        "kernel": record.kernel,
        "python_version": record.python_version,
        "gil_enabled": record.gil_enabled,
        "source": record.source,
        "created_at": record.created_at,
        "saved_at": record.saved_at,
        "sweep_group": record.sweep_group,
    }


def _plain(text: str) -> str:
    """`text` with control characters escaped: a label from a file cannot move the cursor or recolour the terminal."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
