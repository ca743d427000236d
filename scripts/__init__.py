"""Developer scripts (`python -m scripts.rush`) and the helpers they share with tests/reliability."""
