"""The measurement wing: the worker side (worker, executors, measure, probe) uses the standard library alone."""
