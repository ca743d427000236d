"""Demo data for `make run` and the browser tests: users, a catalogue, calls, proposals, juries,
dialogues and monitoring, built through the areas' own services: one module per area (`people`,
`calls`, `proposals`, `evaluation`, `dialogues`, `monitoring`) and `seed.seed_demo`, which runs
them in order.

What it may import: anything (it sits above the areas, like the wiring); nothing imports it but
the `seed-demo` command and tests.
"""
