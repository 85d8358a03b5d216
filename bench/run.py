"""`python -m bench.run`: seed the benchmark database, serve with gunicorn, measure, report.

    make bench                                   # 1,000,000 tickets (seeded once, then reused)
    make bench BENCH_ARGS="--tickets 20000"      # quick run while developing
    python -m bench.run --reset                  # drop the benchmark database and start over

Exit status: 0 when everything was measured (goals missed are reported, not fatal), 1 on an
error (database unreachable, an endpoint answering with an error), 130 on Ctrl-C.
"""

import argparse
import os
import signal
import sys
import time
import warnings
from pathlib import Path

from rich.console import Console

from .database import DEFAULT_NAME, BenchError, bench_database, ensure_database

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/helpdesk"
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Benchmark the helpdesk on PostgreSQL, in a separate database "
        "(never the development one).",
    )
    parser.add_argument(
        "--tickets", type=int, default=1_000_000, help="tickets to seed (default 1,000,000)"
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="timed requests per endpoint (default 200)"
    )
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint")
    parser.add_argument(
        "--create-seconds", type=float, default=10.0, help="duration of the creation run"
    )
    parser.add_argument(
        "--clients", type=int, default=4, help="concurrent clients creating tickets"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--database",
        default=DEFAULT_NAME,
        help=f"benchmark database on the DATABASE_URL server (default {DEFAULT_NAME})",
    )
    parser.add_argument("--reset", action="store_true", help="drop the benchmark database first")
    parser.add_argument(
        "--seed-only", action="store_true", help="create, migrate and seed, then stop"
    )
    parser.add_argument(
        "--sweep-only", action="store_true", help="seed, then measure only the SLA sweep"
    )
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.requests < 1 or args.clients < 1 or args.workers < 1:
        parser.error("--tickets, --requests, --clients and --workers must be positive")
    return args


def server_environment(database_url: str) -> dict[str, str]:
    """Settings for the bench process and the gunicorn it starts (production-like)."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DEBUG": "false",
        "CONN_MAX_AGE": "600",
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "LOG_LEVEL": "WARNING",
    }


def _terminate_on_sigterm() -> None:
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console()
    if not console.is_terminal:  # make's output, a log file: do not squeeze the table
        console = Console(width=140)
    # The bench serves no static files itself; whitenoise warns that STATIC_ROOT is missing.
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    _terminate_on_sigterm()
    try:
        return _run(args, console)
    except BenchError as exc:
        console.print(f"[bold red]bench: {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]bench: interrupted")
        return 130


def _run(args: argparse.Namespace, console: Console) -> int:
    db = bench_database(os.environ.get("DATABASE_URL") or DEFAULT_URL, args.database)
    env = server_environment(db.url)
    os.environ.update(env)
    started = time.perf_counter()
    created = ensure_database(db, reset=args.reset)
    console.print(
        f"[bold]Benchmark database[/] {db.name} ({'created' if created else 'reused'}; "
        f"the development database {db.source_name or '—'} is not touched)"
    )

    import django

    django.setup()
    from . import database, reference, seed

    with console.status("migrating…"):
        database.migrate()
    with console.status("reference data (organizations, people, teams, routing rules)…"):
        ref = reference.ensure_reference()
    result = seed.seed_tickets(ref, target=args.tickets, console=console)
    with console.status("VACUUM ANALYZE…" if result.created else "ANALYZE…"):
        database.vacuum_analyze(full=bool(result.created))
    if result.created:
        console.print(
            f"Seeded {result.created:,} tickets in {result.seconds:,.1f} s "
            f"({result.created / result.seconds:,.0f} tickets/s); {result.total:,} in total."
        )
    else:
        console.print(f"Reusing {result.total:,} tickets (no seeding needed).")
    seed_seconds = time.perf_counter() - started
    if args.seed_only:
        return 0
    if args.sweep_only:
        from . import sweep

        sweep.run(console=console, results_dir=RESULTS_DIR)
        return 0

    from . import measure, report

    outcome = measure.run(args=args, ref=ref, env=env, console=console, results_dir=RESULTS_DIR)
    data = report.build(
        args=args,
        db_name=db.name,
        seed=result,
        seed_seconds=seed_seconds,
        outcome=outcome,
    )
    for measured in outcome.results:
        if "traceback" in measured.notes:
            console.print(f"[red]{measured.label}:[/]\n{measured.notes['traceback']}")
    report.show(data, console)
    path = report.write(data, RESULTS_DIR)
    console.print(f"Results written to {path}")
    from . import sweep

    sweep.run(console=console, results_dir=RESULTS_DIR)
    if outcome.errors:
        console.print(f"Server log: {RESULTS_DIR / 'gunicorn.log'}")
    return 1 if outcome.errors else 0


if __name__ == "__main__":
    sys.exit(main())
