"""Users, roles, server-side sessions, login and per-account throttling."""
