"""The measurements: SQL queries per request (in process), latency and creation throughput
(over HTTP against gunicorn).

Queries cannot be counted inside gunicorn, so each endpoint is first requested once in this
process with Django's test client against the same database, under `CaptureQueriesContext`
(after one untimed request, so that one-off caches do not count). Latency is measured from this
process with httpx, one request at a time; creation with several concurrent clients.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rich.console import Console

from tickets.models import Keyword, TeamMembership, Ticket

from . import texts
from .reference import Reference
from .server import gunicorn

CREATE_PATH = "/api/v1/tickets/"


@dataclass(frozen=True)
class Goal:
    p95_ms: float | None = None
    queries: int | None = None
    per_second: float | None = None

    def text(self) -> str:
        parts = []
        if self.p95_ms is not None:
            parts.append(f"p95 ≤ {self.p95_ms:g} ms")
        if self.queries is not None:
            parts.append(f"≤ {self.queries} queries")
        if self.per_second is not None:
            parts.append(f"≥ {self.per_second:g} tickets/s")
        return ", ".join(parts)


QUEUE_GOAL = Goal(p95_ms=30, queries=12)
API_LIST_GOAL = Goal(p95_ms=15, queries=6)
DETAIL_GOAL = Goal(p95_ms=30)
CREATE_GOAL = Goal(per_second=200)
# A reference row, not a goal: requests/s of a request that does no work, same clients.
CEILING_PATH = "/healthz"
CEILING_SECONDS = 4.0


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    auth: str  # "session" (the engineer) or "token" (the agent)
    path: Callable[[int], str]  # request index → path
    goal: Goal
    check: Callable[[httpx.Response], str | None] = lambda r: None  # error text or None


@dataclass
class Result:
    key: str
    label: str
    method: str
    path: str
    goal: Goal
    n: int = 0
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    per_second: float | None = None
    errors: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool | None:
        if self.errors:
            return False
        checks = []
        if self.goal.p95_ms is not None and self.p95_ms is not None:
            checks.append(self.p95_ms <= self.goal.p95_ms)
        if self.goal.queries is not None and self.queries is not None:
            checks.append(self.queries <= self.goal.queries)
        if self.goal.per_second is not None and self.per_second is not None:
            checks.append(self.per_second >= self.goal.per_second)
            checks.append(self.notes.get("classified_and_routed") == self.notes.get("created"))
        return all(checks) if checks else None


@dataclass
class Outcome:
    results: list[Result]
    loadavg_before: tuple[float, float, float]
    loadavg_after: tuple[float, float, float]

    @property
    def errors(self) -> list[str]:
        return [f"{r.label}: {e}" for r in self.results for e in r.errors]


def _json_results(response: httpx.Response) -> str | None:
    try:
        rows = response.json()["results"]
    except (ValueError, KeyError, TypeError):
        return f"not a page of results: {response.text[:200]!r}"
    return None if rows else "an empty page: the caller sees no tickets"


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 200 samples is the 190th smallest)."""
    ordered = sorted(values)
    rank = max(1, round(pct / 100 * len(ordered) + 0.4999999))
    return ordered[min(rank, len(ordered)) - 1]


def sample_numbers(*, team_ids: list[int], n: int, rng: random.Random) -> list[str]:
    """`n` numbers of tickets of the given teams, spread over the whole table (old and new)."""
    qs = Ticket.objects.filter(team_id__in=team_ids)
    bounds = qs.aggregate(lo=Min("id"), hi=Max("id"))
    if bounds["lo"] is None:
        return []
    numbers: list[str] = []
    while len(numbers) < n:
        start = rng.randint(bounds["lo"], bounds["hi"])
        number = qs.filter(pk__gte=start).order_by("pk").values_list("number", flat=True).first()
        if number is not None:
            numbers.append(number)
    return numbers


class Bench:
    def __init__(self, *, args: argparse.Namespace, ref: Reference, console: Console) -> None:
        self.args = args
        self.ref = ref
        self.console = console
        self.rng = random.Random(7)
        from rest_framework.authtoken.models import Token

        self.token = Token.objects.get(user=ref.agent).key
        login = Client()
        login.force_login(ref.engineer)
        self.session_cookie = login.cookies[settings.SESSION_COOKIE_NAME].value
        team_ids = list(
            TeamMembership.objects.filter(user=ref.engineer).values_list("team_id", flat=True)
        )
        total = args.warmup + args.requests
        self.numbers = sample_numbers(team_ids=team_ids, n=total, rng=self.rng)
        phrases = list(Keyword.objects.filter(active=True).values_list("phrase", flat=True))
        self.titles = [f"{s}{p}" for s in texts.SYSTEMS for p in phrases] or texts.title_pool(
            self.rng
        )
        self.descriptions = texts.description_pool(self.rng, size=500)

    # --- requests -----------------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        numbers = self.numbers or ["TS-00000000-000"]

        def fixed(path: str) -> Callable[[int], str]:
            return lambda i: path

        return [
            Endpoint(
                "queue_all", "Queue page (queue=all)", "session", fixed("/tickets/?queue=all"),
                QUEUE_GOAL,
            ),
            Endpoint(
                "queue_mine", "Queue page (queue=mine)", "session", fixed("/tickets/?queue=mine"),
                QUEUE_GOAL,
            ),
            Endpoint(
                "api_list", "API list, page 1", "token", fixed("/api/v1/tickets/"),
                API_LIST_GOAL, _json_results,
            ),
            Endpoint(
                "api_list_filtered", "API list, filtered", "token",
                fixed("/api/v1/tickets/?status=in_progress&ordering=-created"),
                API_LIST_GOAL, _json_results,
            ),
            Endpoint(
                "detail", "Ticket detail page", "session",
                lambda i: f"/tickets/{numbers[i % len(numbers)]}/",
                DETAIL_GOAL,
            ),
        ]  # fmt: skip

    def creation_body(self) -> dict[str, Any]:
        rnd = self.rng
        return {
            "title": rnd.choice(self.titles)[:200],
            "description": rnd.choice(self.descriptions),
            "organization": rnd.choice(self.ref.orgs),
            "channel": "phone",
            "received_at": (timezone.now() - dt.timedelta(minutes=2)).isoformat(),
            "impact": "department",
            "urgency": "high",
        }

    def _auth(self, auth: str) -> dict[str, Any]:
        if auth == "token":
            return {"headers": {"Authorization": f"Token {self.token}"}}
        return {"cookies": {settings.SESSION_COOKIE_NAME: self.session_cookie}}

    def http_client(self, base_url: str, auth: str) -> httpx.Client:
        return httpx.Client(base_url=base_url, timeout=30.0, **self._auth(auth))

    # --- queries per request (in process) -----------------------------------------------------

    def count_queries(self, method: str, path: str, auth: str, body: Any = None) -> int:
        client = Client()
        if auth == "token":
            client.defaults["HTTP_AUTHORIZATION"] = f"Token {self.token}"
        else:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_cookie

        def call() -> int:
            if method == "POST":
                response = client.post(path, data=body(), content_type="application/json")
            else:
                response = client.get(path)
            return response.status_code

        expected = 201 if method == "POST" else 200
        status = call()  # warm-up: one-off caches (content types, translations) do not count
        with CaptureQueriesContext(connection) as ctx:
            status = call()
        if status != expected:
            raise RuntimeError(f"HTTP {status} in process")
        return len(ctx.captured_queries)

    # --- latency (over HTTP) ------------------------------------------------------------------

    def measure_latency(self, base_url: str, endpoint: Endpoint, result: Result) -> None:
        times: list[float] = []
        with self.http_client(base_url, endpoint.auth) as client:
            for i in range(self.args.warmup + self.args.requests):
                path = endpoint.path(i)
                started = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - started
                problem = (
                    f"HTTP {response.status_code} for {path}: {response.text[:300]!r}"
                    if response.status_code != 200
                    else endpoint.check(response)
                )
                if problem:
                    result.errors.append(problem)
                    return
                if i >= self.args.warmup:
                    times.append(elapsed * 1000)
        result.n = len(times)
        result.median_ms = statistics.median(times)
        result.p95_ms = percentile(times, 95)

    def measure_ceiling(self, base_url: str, result: Result) -> None:
        """The stack's own ceiling, for reading the creation figure: `GET /healthz` (no database,
        no session) from the same number of clients, for a few seconds."""
        lock = threading.Lock()
        times: list[float] = []
        start = threading.Barrier(self.args.clients + 1)
        deadline = 0.0

        def worker() -> None:
            with httpx.Client(base_url=base_url, timeout=30.0) as client:
                start.wait()
                while time.perf_counter() < deadline:
                    t0 = time.perf_counter()
                    response = client.get(CEILING_PATH)
                    elapsed = time.perf_counter() - t0
                    if response.status_code == 200:
                        with lock:
                            times.append(elapsed * 1000)

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.args.clients)]
        for t in threads:
            t.start()
        began = time.perf_counter()
        deadline = began + CEILING_SECONDS
        start.wait()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        if times:
            result.n = len(times)
            result.median_ms = statistics.median(times)
            result.p95_ms = percentile(times, 95)
            result.per_second = len(times) / elapsed
            result.notes.update(clients=self.args.clients, seconds=round(elapsed, 2))

    def measure_creation(self, base_url: str, result: Result) -> None:
        lock = threading.Lock()
        numbers: list[str] = []
        times: list[float] = []
        failures: list[str] = []
        with self.http_client(base_url, "token") as client:  # warm-up, sequential
            for _ in range(max(1, self.args.warmup // 4)):
                response = client.post(CREATE_PATH, json=self.creation_body())
                if response.status_code != 201:
                    result.errors.append(f"HTTP {response.status_code}: {response.text[:300]!r}")
                    return
        bodies = [self.creation_body() for _ in range(20_000)]
        counter = iter(range(len(bodies)))
        start = threading.Barrier(self.args.clients + 1)
        deadline = 0.0

        def worker() -> None:
            with self.http_client(base_url, "token") as client:
                start.wait()
                while time.perf_counter() < deadline:
                    with lock:
                        body = bodies[next(counter) % len(bodies)]
                    t0 = time.perf_counter()
                    try:
                        response = client.post(CREATE_PATH, json=body)
                    except httpx.HTTPError as exc:
                        with lock:
                            failures.append(f"{type(exc).__name__}: {exc}")
                        continue
                    elapsed = time.perf_counter() - t0
                    with lock:
                        if response.status_code == 201:
                            times.append(elapsed * 1000)
                            numbers.append(response.json().get("number", ""))
                        else:
                            failures.append(f"HTTP {response.status_code}: {response.text[:300]!r}")

        threads = [threading.Thread(target=worker, daemon=True) for _ in range(self.args.clients)]
        for t in threads:
            t.start()
        began = time.perf_counter()
        deadline = began + self.args.create_seconds
        start.wait()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
        if failures:
            result.errors.append(f"{len(failures)} failed: {failures[0]}")
        if not times:
            return
        result.n = len(times)
        result.median_ms = statistics.median(times)
        result.p95_ms = percentile(times, 95)
        result.per_second = len(times) / elapsed
        created = Ticket.objects.filter(number__in=numbers)
        result.notes.update(
            created=len(numbers),
            classified_and_routed=created.exclude(category=None).exclude(team=None).count(),
            assigned=created.exclude(assignee=None).count(),
            clients=self.args.clients,
            seconds=round(elapsed, 2),
        )


def _in_process(result: Result, fn: Callable[[], int]) -> None:
    try:
        result.queries = fn()
    except Exception as exc:
        summary = traceback.format_exception_only(exc)[-1].strip()
        result.errors.append(f"in-process request failed: {summary}")
        result.notes["traceback"] = traceback.format_exc()


def run(
    *,
    args: argparse.Namespace,
    ref: Reference,
    env: dict[str, str],
    console: Console,
    results_dir: Path,
) -> Outcome:
    bench = Bench(args=args, ref=ref, console=console)
    endpoints = bench.endpoints()
    results = {
        e.key: Result(key=e.key, label=e.label, method="GET", path=e.path(0), goal=e.goal)
        for e in endpoints
    }
    results["create"] = Result(
        key="create",
        label=f"Ticket creation (API, {args.clients} clients)",
        method="POST",
        path=CREATE_PATH,
        goal=CREATE_GOAL,
    )
    results["ceiling"] = Result(
        key="ceiling",
        label=f"Reference: GET /healthz ({args.clients} clients)",
        method="GET",
        path=CEILING_PATH,
        goal=Goal(),
    )
    with console.status("SQL queries per request (in process)…"):
        for e in endpoints:
            _in_process(results[e.key], lambda e=e: bench.count_queries("GET", e.path(0), e.auth))
        _in_process(
            results["create"],
            lambda: bench.count_queries("POST", CREATE_PATH, "token", bench.creation_body),
        )
    connection.close()  # the server gets the connections; this process only reads afterwards

    console.print(f"Starting gunicorn ({args.workers} sync workers) on loopback…")
    before = os.getloadavg()
    with gunicorn(env=env, workers=args.workers, log_path=results_dir / "gunicorn.log") as url:
        for e in endpoints:
            with console.status(f"{e.label}: {args.warmup} + {args.requests} requests…"):
                bench.measure_latency(url, e, results[e.key])
        clients, seconds = args.clients, args.create_seconds
        with console.status(f"Creating tickets with {clients} clients for {seconds:g} s…"):
            bench.measure_creation(url, results["create"])
        with console.status(f"The stack's ceiling: {CEILING_PATH} with {clients} clients…"):
            bench.measure_ceiling(url, results["ceiling"])
    return Outcome(
        results=list(results.values()), loadavg_before=before, loadavg_after=os.getloadavg()
    )
