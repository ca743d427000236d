"""Categories (product groups with a target ambition level) and social values."""
