"""The MVI criteria library (per category and ambition level) and the leading principles."""
