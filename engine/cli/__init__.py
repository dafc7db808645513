"""`python -m engine {host,recommend,bench,calibrate,scenarios,quiz,results}`: the command line.

This module owns the parser and the exit codes; each command lives in the
module named in COMMANDS, which offers `register(subparsers)` and sets a `run`
default (`run(args) -> int`). Bad input exits 2 with one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from engine.errors import InputError

# command name -> module with register(subparsers); kept in the order of `--help`.
COMMANDS: dict[str, str] = {
    "host": "engine.cli.host",
    "recommend": "engine.cli.recommend",
    "bench": "engine.cli.bench",
    "calibrate": "engine.cli.calibrate",
    "scenarios": "engine.cli.scenarios",
    "quiz": "engine.cli.quiz",
    "results": "engine.cli.results",
}


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="python -m engine",
        description="Concurrency Lab: choose a Python concurrency approach and prove it.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMANDS.values():
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except InputError as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
