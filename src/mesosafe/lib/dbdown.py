"""Telling a database that cannot be reached (down, restarting, the connection cut) from other database
errors: the first is the server's state, not the request's fault, and a retry soon will likely work."""

from __future__ import annotations

from django.db import InterfaceError, OperationalError

# What a client should wait before retrying: about what a PostgreSQL restart takes.
RETRY_AFTER_S = 5

# SQLSTATE class 08 (connection exception) and the server shutting down or starting up.
_SHUTDOWN = {"57P01", "57P02", "57P03"}


def unreachable(exc: BaseException | None) -> bool:
    """Whether `exc` (Django's wrapper of the driver's error) says the database could not be reached."""
    if isinstance(exc, InterfaceError):  # "connection already closed"
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    if type(cause).__module__.startswith("psycopg"):
        # Failures to connect and connections lost mid-query carry no SQLSTATE: the server never said one.
        state = getattr(cause, "sqlstate", None)
        return state is None or state.startswith("08") or state in _SHUTDOWN
    return "database is locked" in str(exc)  # SQLite: a writer held the lock past the timeout
