"""Benchmark harness: `make bench` (full) and `make bench-smoke` (a few seconds)."""
