"""Concurrency Lab's domain: decisions, recommendations, benchmarks and their results.

Nothing here imports streamlit or altair. The modules a benchmark worker loads
(worker, executors, measure, probe, errors) use the standard library alone.
"""
