"""Market consultations (marktconsultatie): a written round with numbered questions, private answers
per organisation, and a published summary of what the municipality does with them (issue #18)."""
