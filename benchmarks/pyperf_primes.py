"""pyperf's own measurement of one primes task, to check the harness's sequential per-task time against.

Run by figures.py as `python benchmarks/pyperf_primes.py SIZE -o FILE --quiet`; pyperf re-runs this
script in its worker processes, so everything happens under the __main__ guard.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyperf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kernels.cpu import count_primes


def add_size_argument(command: list[str], args: object) -> None:
    command.append(str(args.size))


if __name__ == "__main__":
    runner = pyperf.Runner(processes=6, values=3, warmups=1, add_cmdline_args=add_size_argument)
    runner.argparser.add_argument("size", type=int)
    arguments = runner.parse_args()
    runner.bench_func(f"count_primes({arguments.size})", count_primes, arguments.size)
