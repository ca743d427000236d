"""Speed at city scale: a deterministic data set (`flask bench-data`) and bench-only endpoints.

Nothing here runs in a normal request: the endpoints in `views.py` are registered only when the
`BENCH_ENDPOINTS` setting is on (`scripts/bench.py` sets it for its gunicorn).
"""
