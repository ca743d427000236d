"""Jury evaluation: members per phase, conflict declarations, score sheets and their aggregation."""
