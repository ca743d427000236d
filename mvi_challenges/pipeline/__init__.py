"""Procurement pipeline (inkoopplanning) and following categories and social values (issue #19, part 6)."""
