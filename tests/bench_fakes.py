"""Hand-built BenchResult values for the benchmark page's unit tests (no worker process needed).

Medians are given per executor; each gets seven repeats scaled by the same round factors (so each speedup's
interval is exactly its point, unless `spread` widens the executors' own factors), and speedups, intervals and
bands follow from them as the parent assigns them (engine.bench.results.assess).
"""

from __future__ import annotations

from engine.bench.results import BenchResult, BenchSpec, ExecutorResult, Sample, Span, assess
from engine.bench.variants import Comparison, VariantInfo, variant_label


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
    spread: float = 0.0,
    disturbed: bool = False,
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
        own = (
            _ROUND_FACTORS
            if name == baseline
            else tuple(f * (1 + spread * d) for f, d in zip(_ROUND_FACTORS, _OWN, strict=True))
        )
        times = tuple(median * factor for factor in own)
        executors.append(
            ExecutorResult(
                name=name,
                label=f"{name} (free-threaded)" if name == "threads" and not gil_enabled else name,
                workers=lanes,
                start_method="forkserver" if "processes" in name else None,
                times_s=times,
                median_s=sorted(times)[3],
                min_s=min(times),
                max_s=max(times),
                spread=0.05,
                noisy=False,
                startup_s=0.02 if name != baseline else 0.0,
                speedup=None,
                band=None,
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
    return assess(
        BenchResult(
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
            stopped_by="target",
            disturbed=disturbed,
        )
    )


# Seven rounds' load factors shared by every executor (median 1.0), and each executor's own deviations.
_ROUND_FACTORS = (0.98, 1.0, 1.03, 0.99, 1.01, 0.97, 1.02)
_OWN = (1.0, -1.0, 0.5, -0.5, 0.0, 1.0, -1.0)


def make_comparison(
    ft_medians: dict[str, float] | None = None,
    gil_medians: dict[str, float] | None = None,
    *,
    disturbed: bool = False,
) -> Comparison:
    """A comparison of the free-threaded build (GIL off) and the GIL build of 3.14, each from make_result."""
    import dataclasses

    ft_medians = ft_medians or {"sequential": 1.08, "threads": 0.56}
    gil_medians = gil_medians or {"sequential": 1.0, "threads": 1.04}
    free = make_result(ft_medians, gil_enabled=False, python_version="3.14.7", disturbed=disturbed)
    gil = make_result(gil_medians, gil_enabled=True, python_version="3.14.7", disturbed=disturbed)
    free = dataclasses.replace(free, host={**free.host, "executable": "/usr/local/bin/python3.14t"})
    variants = (
        VariantInfo("/usr/local/bin/python3.14t", "3.14.7", "free-threaded", "off", False, "ft_gil_off"),
        VariantInfo("/usr/local/bin/python3.14", "3.14.7", "GIL", "default", True, "gil_build"),
    )
    variants = tuple(
        dataclasses.replace(v, label=variant_label(v.build, v.version, v.gil, v.gil_enabled)) for v in variants
    )
    return Comparison(
        spec=free.spec,
        variants=variants,
        runs=(free, gil),
        rounds=4,
        repeats_per_round=2,
        stopped_by="budget",
        disturbed=disturbed,
        created_at=free.created_at,
    )
