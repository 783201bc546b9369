"""Benchmarks: `make bench` (python -m benchmarks) runs the suite and writes RESULTS.md."""
