"""`python -m engine scenarios check FILE`: validate a teacher's question bank from the command line.

Prints one line per bad scenario (file, scenario id, field, what is accepted) and exits 2, or the count and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

from engine.lesson.scenarios import BankError, load_bank


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("scenarios", help="check a quiz question bank (TOML or JSON)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate a bank file; exit 2 listing every problem")
    check.add_argument("file", help="a .toml or .json bank")
    check.add_argument("--json", action="store_true", help="print the verdict as JSON")
    check.set_defaults(run=run_check)


def run_check(args: argparse.Namespace) -> int:
    try:
        scenarios = load_bank(args.file)
    except BankError as error:
        if args.json:
            print(json.dumps({"file": args.file, "valid": False, "errors": [str(e) for e in error.errors]}))
        for problem in error.errors:
            print(f"python -m engine scenarios: error: {problem}", file=sys.stderr)
        return 2
    kinds = Counter(scenario.kind for scenario in scenarios)
    if args.json:
        print(json.dumps({"file": args.file, "valid": True, "count": len(scenarios), "kinds": dict(kinds)}))
    else:
        by_kind = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
        print(f"{args.file}: {len(scenarios)} valid scenarios ({by_kind})")
    return 0
