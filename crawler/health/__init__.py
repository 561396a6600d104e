"""Host health: which failures mean a host is down, and the middleware that stops asking it."""
