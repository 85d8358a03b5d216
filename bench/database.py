"""The benchmark's own database: derived from DATABASE_URL, created, migrated, never the dev DB."""

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")
DEFAULT_NAME = "helpdesk_bench"


class BenchError(Exception):
    """A problem that stops the benchmark (exit status 1) with a clear message."""


@dataclass(frozen=True)
class BenchDatabase:
    url: str  # for Django (DATABASE_URL)
    name: str
    source_name: str

    def _conninfo(self, dbname: str) -> str:
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(scheme="postgresql", path="/" + dbname))

    @property
    def conninfo(self) -> str:
        return self._conninfo(self.name)

    @property
    def maintenance_conninfo(self) -> str:
        return self._conninfo("postgres")


def bench_database(source_url: str, name: str = DEFAULT_NAME) -> BenchDatabase:
    """The benchmark database on the same server as `source_url`, named `name`.

    The name must contain "bench": `--reset` drops it, so it can never be a working database.
    """
    parts = urlsplit(source_url)
    if parts.scheme not in POSTGRES_SCHEMES:
        raise BenchError(
            f"The benchmark needs PostgreSQL; DATABASE_URL is {parts.scheme or 'empty'}:// "
            "(example: postgres://postgres@127.0.0.1:5432/helpdesk)."
        )
    if "bench" not in name:
        raise BenchError(
            f"Refusing to use {name!r}: the benchmark database name must contain 'bench'."
        )
    source_name = parts.path.lstrip("/")
    return BenchDatabase(
        url=urlunsplit(parts._replace(path="/" + name)), name=name, source_name=source_name
    )


def ensure_database(db: BenchDatabase, *, reset: bool) -> bool:
    """Create the database if it is missing (drop it first with `reset`); True if created."""
    try:
        conn = psycopg.connect(db.maintenance_conninfo, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise BenchError(f"Cannot reach PostgreSQL: {exc}".strip()) from exc
    with conn:
        ident = sql.Identifier(db.name)
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db.name]).fetchone()
        if exists and reset:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(ident))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(ident))
            return True
    return False


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def vacuum_analyze(*, full: bool) -> None:
    """Statistics (and, after a load, the visibility map) for every table before measuring.

    Autovacuum may be off or behind (it is off on the development machines): without this, the
    tables created by migrations and the seeder have no statistics and the planner guesses.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)" if full else "ANALYZE")
