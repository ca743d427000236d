"""Users, organisations (KvK), roles; register, log in, profile; the admin's role page."""
