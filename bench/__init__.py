"""National-scale benchmarks (issue 7): a data generator and side-by-side measurements
of the application against hand-written SQL. Run ``python -m bench --help``;
docs/performance.md has the figures and what is not measured yet."""
