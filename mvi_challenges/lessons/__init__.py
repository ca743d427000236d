"""Lessons learned per social value, linked to calls, tenders and contracts (issue #19, part 7)."""
