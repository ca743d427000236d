"""Speed at city scale, outside the app package: a deterministic data set and the bench's own app.

- `bench.data`: the data set `make bench` measures (Core bulk inserts; `flask --app bench.app bench-data`).
- `bench.views`: the two ceilings (`/_bench/bare`, `/_bench/list`).
- `bench.app.create_bench_app`: the app `make bench` serves: the normal app plus the ceilings and the
  bench's settings (no two-step verification, no rate limits). The app package never imports this
  package, so none of it can be switched on in a normal run.

This package may import `mvi_challenges`; `mvi_challenges` must not import it (tests/perf/test_bench_apart.py).
"""
