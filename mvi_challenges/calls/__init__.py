"""Challenges and SBIR calls: phases, weighted criteria, documents and the call lifecycle."""
