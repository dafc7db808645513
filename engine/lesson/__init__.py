"""The lesson wing: what the app teaches, as data and pure functions (no I/O at import)."""
