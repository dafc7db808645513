"""Hand-built BenchResult values for the benchmark page's unit tests (no worker process needed).

Medians are given per executor; speedups and bands follow from them exactly as engine.bench.measure computes them.
"""

from __future__ import annotations

from engine.bench.results import BenchResult, BenchSpec, ExecutorResult, Sample, Span, speedup_band


def make_result(
    medians: dict[str, float] | None = None,
    *,
    kernel: str = "primes",
    size: int | None = 20000,
    workers: int = 2,
    tasks: int = 4,
    gil_enabled: bool = True,
    python_version: str = "3.11.7",
    usable_cpus: int = 2,
) -> BenchResult:
    """A result whose first executor is the baseline; medians in seconds by executor name."""
    medians = medians or {"sequential": 1.0, "threads": 1.02, "processes": 0.55}
    baseline = next(iter(medians))
    executors = []
    for name, median in medians.items():
        lanes = 1 if name == baseline else workers
        task_s = median / tasks * lanes
        spans = tuple(
            Span(
                task=task,
                worker=f"w{task % lanes}",
                start_s=(task // lanes) * task_s,
                end_s=(task // lanes + 1) * task_s,
            )
            for task in range(tasks)
        )
        speedup = medians[baseline] / median
        executors.append(
            ExecutorResult(
                name=name,
                label=f"{name} (free-threaded)" if name == "threads" and not gil_enabled else name,
                workers=lanes,
                start_method="forkserver" if "processes" in name else None,
                times_s=(median * 0.98, median, median * 1.03),
                median_s=median,
                min_s=median * 0.98,
                max_s=median * 1.03,
                spread=0.05,
                noisy=False,
                startup_s=0.02 if name != baseline else 0.0,
                speedup=speedup,
                band=speedup_band(speedup),
                correct=True,
                spans=spans,
                peak_rss_mb=30.0 if "processes" in name else 12.0,
                cpu_percent_per_core=(95.0, 90.0) if name == "processes" else (60.0, 40.0),
                gil_enabled=gil_enabled,
            )
        )
    samples = tuple(
        Sample(t_s=0.1 * index, cpu_percent_per_core=(50.0 + index, 40.0), rss_mb=20.0 + index, executor=name)
        for index, name in enumerate(medians)
    )
    return BenchResult(
        spec=BenchSpec(kernel=kernel, executors=tuple(medians), workers=workers, tasks=tasks, size=size),
        host={
            "python_version": python_version,
            "executable": f"/usr/bin/python{python_version[:4]}",
            "gil_enabled": gil_enabled,
            "free_threaded_build": not gil_enabled,
            "usable_cpus": usable_cpus,
        },
        baseline=baseline,
        executors=tuple(executors),
        samples=samples,
        created_at="2026-11-25T19:00:00+00:00",
    )
