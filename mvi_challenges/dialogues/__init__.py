"""City and market dialogues: registration with a waitlist, input and what was done with it, reports."""
