"""Nota van inlichtingen in rounds: numbered, dated, immutable notes that bundle published answers."""
