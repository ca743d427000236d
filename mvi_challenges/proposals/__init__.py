"""Proposals: drafts, submitted versions with receipts, attachments, and the questions asked on a call."""
