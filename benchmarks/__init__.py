"""Benchmarks: the program against its peers, measured side by side in the same run.

Run ``python -m benchmarks`` (``--quick`` for a sub-minute smoke run, ``--only NAME`` for one).
Figures are printed as a table and written into ``BENCHMARKS.md`` at the project root.
"""
