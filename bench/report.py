"""The results: a table on the terminal and `bench/results/latest.json` (git-ignored)."""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from .database import server_version
from .measure import Outcome, Result
from .seed import SeedResult


def _git_commit(cwd: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=cwd, capture_output=True, text=True
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def _endpoint(result: Result) -> dict[str, Any]:
    def ms(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "key": result.key,
        "label": result.label,
        "method": result.method,
        "path": result.path,
        "n": result.n,
        "median_ms": ms(result.median_ms),
        "p95_ms": ms(result.p95_ms),
        "queries": result.queries,
        "per_second": None if result.per_second is None else round(result.per_second, 1),
        "goal": {
            "text": result.goal.text(),
            "p95_ms": result.goal.p95_ms,
            "queries": result.goal.queries,
            "per_second": result.goal.per_second,
        },
        "passed": result.passed,
        "errors": result.errors,
        "notes": {k: v for k, v in result.notes.items() if k != "traceback"},
    }


def build(
    *,
    args: argparse.Namespace,
    db_name: str,
    seed: SeedResult,
    seed_seconds: float,
    outcome: Outcome,
) -> dict[str, Any]:
    project = Path(__file__).resolve().parent.parent
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": _git_commit(project),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgres": server_version(),
            "loadavg_before": [round(x, 2) for x in outcome.loadavg_before],
            "loadavg_after": [round(x, 2) for x in outcome.loadavg_after],
        },
        "database": db_name,
        "tickets": seed.total,
        "seeding": {
            "created": seed.created,
            "seconds": round(seed.seconds, 1),
            "setup_seconds": round(seed_seconds, 1),
        },
        "settings": {
            "requests": args.requests,
            "warmup": args.warmup,
            "gunicorn_workers": args.workers,
            "create_clients": args.clients,
            "create_seconds": args.create_seconds,
        },
        "endpoints": [_endpoint(r) for r in outcome.results],
        "errors": outcome.errors,
    }


def _fmt(value: float | int | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def show(data: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"helpdesk benchmark — {data['tickets']:,} tickets, "
        f"{data['settings']['gunicorn_workers']} gunicorn workers, "
        f"{data['machine']['cpus']} CPUs, PostgreSQL {data['machine']['postgres']}"
    )
    table.add_column("endpoint")
    table.add_column("n", justify="right")
    table.add_column("median ms", justify="right")
    table.add_column("p95 ms", justify="right")
    table.add_column("queries", justify="right")
    table.add_column("per s", justify="right")
    table.add_column("goal")
    table.add_column("result")
    for row in data["endpoints"]:
        passed = row["passed"]
        verdict = (
            "[red]ERROR"
            if row["errors"]
            else "[green]pass"
            if passed
            else "[red]FAIL"
            if passed is False
            else "—"
        )
        table.add_row(
            row["label"],
            str(row["n"]),
            _fmt(row["median_ms"], ".1f"),
            _fmt(row["p95_ms"], ".1f"),
            _fmt(row["queries"], "d"),
            _fmt(row["per_second"], ".1f" if (row["per_second"] or 0) < 100 else ".0f"),
            row["goal"]["text"],
            verdict,
        )
    console.print(table)
    for row in data["endpoints"]:
        notes = row["notes"]
        if row["key"] == "create" and notes:
            console.print(
                f"Creation: {notes['created']} tickets in {notes['seconds']} s; "
                f"classified and routed {notes['classified_and_routed']}, "
                f"assigned {notes['assigned']}."
            )
    machine = data["machine"]
    before, after = machine["loadavg_before"][0], machine["loadavg_after"][0]
    console.print(f"Load average (1 min) before/after: {before} / {after}.")
    if max(before, after) > (machine["cpus"] or 1):
        console.print(
            f"[yellow]The machine was busy with other work (load above {machine['cpus']} CPUs): "
            "latencies are inflated; run again when it is idle."
        )
    for error in data["errors"]:
        console.print(f"[bold red]error: {error}")


def write(data: dict[str, Any], directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    stamp = data["generated_at"].replace(":", "").replace("-", "")[:15]
    (directory / f"bench-{stamp}.json").write_text(text)
    latest = directory / "latest.json"
    latest.write_text(text)
    return latest
