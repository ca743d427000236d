"""Monitoring: effort (calls, dialogues) next to results (contracts, realised targets),
and the comply-or-explain register of every procurement."""
