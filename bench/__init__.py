"""Benchmarks: one module per topic (``bench_<topic>.py`` with a ``main()``)."""
