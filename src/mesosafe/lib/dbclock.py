"""The database's clock. Workers on several machines compare heartbeats and claims: each stamped with its
own machine's clock, a worker whose clock ran three minutes behind was judged dead by a healthy one, which
took its running alert and sent it a second time. Stamped and compared with the database's clock, one
clock judges them all."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection


def db_now() -> datetime:
    """The database server's current time, aware, in UTC."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT statement_timestamp()")
            now: datetime = cursor.fetchone()[0]
            return now.astimezone(UTC)
        # SQLite runs in this process: its clock is this machine's, which is then the only one
        cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
        return datetime.strptime(cursor.fetchone()[0], "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)
