"""Human-readable numbers `TS-YYYYMMDD-NNN` (PROCESS §3). Formatting is pure; issuing is atomic."""

import datetime as dt
import re
from typing import Final

from django.db import connection
from django.utils import timezone

NUMBER_RE: Final = re.compile(r"^(?P<prefix>[A-Z]{2})-(?P<day>\d{8})-(?P<seq>\d{3,})\Z", re.ASCII)


def day_key(prefix: str, day: dt.date) -> str:
    return f"{prefix}-{day:%Y%m%d}"


def format_number(prefix: str, day: dt.date, seq: int) -> str:
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{day_key(prefix, day)}-{seq:03d}"


def parse_number(number: str) -> tuple[str, dt.date, int]:
    match = NUMBER_RE.match(number)
    if not match:
        raise ValueError(f"not a ticket number: {number!r}")
    day = dt.datetime.strptime(match["day"], "%Y%m%d").date()
    seq = int(match["seq"])
    if seq < 1 or format_number(match["prefix"], day, seq) != number:
        raise ValueError(f"not a ticket number: {number!r}")
    return match["prefix"], day, seq


def next_number(prefix: str, at: dt.datetime | None = None) -> str:
    """Issue the next number of the day (helpdesk time zone) in one atomic statement.

    `INSERT … ON CONFLICT DO UPDATE … RETURNING` works on PostgreSQL and SQLite ≥ 3.35: the row
    lock serialises concurrent issuers, and the counter only grows, so numbers are never reused.
    """
    day = timezone.localtime(at or timezone.now()).date()
    key = day_key(prefix, day)
    from .models import TicketSequence

    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    k, last = connection.ops.quote_name("key"), connection.ops.quote_name("last")
    sql = (
        f"INSERT INTO {table} ({k}, {last}) VALUES (%s, 1) "
        f"ON CONFLICT ({k}) DO UPDATE SET {last} = {table}.{last} + 1 RETURNING {last}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        (seq,) = cursor.fetchone()
    return format_number(prefix, day, seq)
