"""National-scale benchmark figures for Junheng (`make bench`, i.e. `python -m benchmarks.run`).

Not a test suite: scripts that print figures next to their targets. See docs/benchmarks.md.
"""
