"""Benchmarks (not tests): run as ``python -m benchmarks.bench`` or ``./harness bench``."""
