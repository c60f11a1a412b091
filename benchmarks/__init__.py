"""Benchmarks: `python -m benchmarks [startup|...]`. They print figures; they are not tests."""
