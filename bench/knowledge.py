"""`python -m bench.knowledge`: knowledge search and suggestions at volume, on PostgreSQL.

    python -m bench.knowledge --articles 100000            # 1,000,000 tickets + 100,000 articles
    python -m bench.knowledge --articles 2000 --tickets 20000 --requests 50

Uses the benchmark database of `bench.run` (created, migrated and seeded with tickets the same
way, with the same helpers), then tops it up with articles and the search documents of resolved
and closed tickets, written with COPY. Each row carries the segmented words and the weighted
`simple` tsvector exactly as `knowledge.services` would store them (checked on a sample before
measuring). Then gunicorn serves the app and this process measures, over HTTP, one request at a
time: the search API (articles + resolved tickets, as the agent) and the suggestion partial shown
while a ticket is typed (as the engineer). Goal: p95 < 50 ms.

Not seeded: article history rows (a real article has one per version), tags, ticket links.
Results: a table, and `bench/results/knowledge-latest.json`.
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
import warnings
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from rich.console import Console
from rich.table import Table

from .database import DEFAULT_NAME, BenchError, bench_database, ensure_database
from .run import DEFAULT_URL, RESULTS_DIR, server_environment

GOAL_P95_MS = 50.0
BATCH = 5_000

ARTICLE_COLUMNS = (
    "id", "title", "symptom", "diagnosis", "solution", "prevention", "product", "product_version",
    "category_id", "audience", "status", "author_id", "reviewer_id", "created_at", "updated_at",
    "published_at", "reviewed_at", "review_due", "search_tokens", "search_vector",
)  # fmt: skip
DOC_COLUMNS = (
    "ticket_id", "title", "solution_excerpt", "category_id", "product_version", "resolved_at",
    "indexed_at", "search_tokens", "search_vector",
)  # fmt: skip

QUERIES = (
    "登录失败", "无法登录 密码错误", "打印机 离线", "连接超时", "数据丢失 恢复", "VPN 断线",
    "vpn error 809", "pasword reset", "mail server timeout", "报表 导出 失败", "升级后 闪退",
    "ERP 页面加载很慢", "同步失败", "crm login failed", "权限不足 无法访问",
)  # fmt: skip
SOLUTIONS = (
    "清除浏览器缓存后重新登录；如账号被锁定，在统一认证后台解锁并重置密码。",
    "检查网络连通性与防火墙策略，重启相关服务后恢复。",
    "回滚到上一版本的配置文件，并按升级说明重新执行数据迁移脚本。",
    "Restart the service, clear the cache and re-apply the last configuration change.",
    "Enable NAT traversal on the firewall and update the client to the supported version.",
    "在服务器上扩容磁盘并清理过期日志，设置日志轮转。",
)
PREVENTIONS = ("定期巡检并设置告警阈值。", "Keep clients on the supported versions.", "")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.knowledge", description=__doc__)
    parser.add_argument("--articles", type=int, default=100_000, help="articles (default 100,000)")
    parser.add_argument(
        "--tickets", type=int, default=1_000_000, help="tickets to seed first (default 1,000,000)"
    )
    parser.add_argument("--requests", type=int, default=200, help="timed requests per endpoint")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests per endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database", default=DEFAULT_NAME, help="benchmark database name")
    parser.add_argument("--seed-only", action="store_true", help="seed, then stop")
    args = parser.parse_args(argv)
    if min(args.articles, args.tickets, args.requests, args.workers) < 1:
        parser.error("--articles, --tickets, --requests and --workers must be positive")
    # bench.measure.Bench reads these
    args.clients, args.create_seconds = 1, 0.0
    return args


# --- rows ------------------------------------------------------------------------------------


@lru_cache(maxsize=50_000)
def _tokens(text: str) -> tuple[str, ...]:
    from knowledge.search import segment

    return tuple(segment(text))


def tsvector_literal(*weighted: tuple[tuple[str, ...], str]) -> str:
    """The text form of setweight(to_tsvector('simple', a), 'A') || … for segmented parts:
    positions continue across parts, as PostgreSQL's concatenation shifts them."""
    positions: dict[str, list[str]] = {}
    offset = 0
    for tokens, weight in weighted:
        for i, token in enumerate(tokens, start=1):
            if offset + i <= 16383:
                positions.setdefault(token, []).append(f"{offset + i}{weight}")
        offset += len(tokens)
    return " ".join(f"'{token}':{','.join(pos)}" for token, pos in positions.items())


def _vector(bucket: str, *parts: tuple[str, str]) -> tuple[str, str]:
    """(search_tokens, search_vector literal) for (text, weight) parts, with the document's
    bucket lexeme as `knowledge.services.indexing` adds it."""
    weighted = [(sum((_tokens(t) for t in text.split("\x00") if t), ()), w) for text, w in parts]
    tokens = " ".join(" ".join(tokens) for tokens, _w in weighted if tokens)
    return tokens, f"{tsvector_literal(*weighted)} '{bucket}'"


def article_rows(
    *, count: int, first_id: int, authors: list[int], categories: list[int], seed: int
) -> Iterator[tuple]:
    """Rows with explicit ids (from `first_id`): the bucket lexeme is derived from the id."""
    from bench import texts
    from knowledge.models import ARTICLE_BUCKET
    from knowledge.search import bucket_lexeme

    rng = random.Random(seed)
    titles, descriptions = texts.title_pool(rng), texts.description_pool(rng)
    now = dt.datetime.now(dt.UTC)
    for i in range(count):
        title = rng.choice(titles)[:190] + f" #{i}"
        symptom = rng.choice(descriptions)
        diagnosis = rng.choice(descriptions)
        solution, prevention = rng.choice(SOLUTIONS), rng.choice(PREVENTIONS)
        product = rng.choice(texts.SYSTEMS)
        version = f"{rng.randint(1, 9)}.{rng.randint(0, 9)}"
        published = rng.random() < 0.9
        created = now - dt.timedelta(days=rng.uniform(1, 700))
        head = "\x00".join((title, product, version))
        pk = first_id + i
        tokens, vector = _vector(
            bucket_lexeme(pk, ARTICLE_BUCKET),
            (head, "A"),
            (symptom, "B"),
            ("\x00".join((diagnosis, solution, prevention)), "C"),
        )
        yield (
            pk, title, symptom, diagnosis, solution, prevention, product, version,
            rng.choice(categories) if categories else None,
            "public" if rng.random() < 0.7 else "internal",
            "published" if published else rng.choice(("draft", "in_review", "retired")),
            rng.choice(authors), rng.choice(authors) if published else None,
            created, created,
            created if published else None, created if published else None,
            (created + dt.timedelta(days=91)).date() if published else None,
            tokens, vector,
        )  # fmt: skip


def _copy(table: str, columns: tuple[str, ...], rows: Iterator[tuple]) -> int:
    """COPY in text format, so PostgreSQL parses the tsvector literals itself."""
    from django.db import connection

    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


def seed_articles(*, target: int, console: Console) -> int:
    from django.db import connection, transaction
    from django.db.models import Max

    from knowledge.models import Article
    from tickets.models import Category, TeamMembership

    existing = Article.objects.count()
    missing = target - existing
    if missing <= 0:
        return 0
    authors = list(TeamMembership.objects.values_list("user_id", flat=True).distinct()[:500])
    if not authors:
        raise BenchError("No engineers in the benchmark database: seed tickets first.")
    categories = list(Category.objects.values_list("pk", flat=True))
    first_id = (Article.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    rows = article_rows(
        count=missing,
        first_id=first_id,
        authors=authors,
        categories=categories,
        seed=existing + 1,
    )
    created = 0
    started = time.perf_counter()
    with console.status("articles…") as status, transaction.atomic():
        while created < missing:
            batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
            if not batch:
                break
            created += _copy("knowledge_article", ARTICLE_COLUMNS, iter(batch))
            status.update(f"articles… {created:,}/{missing:,}")
        with connection.cursor() as cursor:  # the ids were given: move the identity past them
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('knowledge_article', 'id'), %s)",
                [first_id + created - 1],
            )
    console.print(f"Seeded {created:,} articles in {time.perf_counter() - started:,.1f} s.")
    return created


def seed_ticket_docs(*, console: Console) -> int:
    """Search documents for resolved/closed tickets without one (titles, descriptions and the
    seeded replies come from pools, so segmentation is cached)."""
    from django.db import connection, transaction

    from knowledge.models import TICKET_BUCKET
    from knowledge.search import bucket_lexeme
    from tickets.models import MessageKind

    sql = (
        "SELECT t.id, t.number, t.title, t.description, t.error_message, t.product, t.product_version, "
        "t.category_id, t.resolved_at, "
        "(SELECT string_agg(m.body, E'\\n' ORDER BY m.created_at) FROM tickets_message m "
        " WHERE m.ticket_id = t.id AND m.kind IN (%s, %s)) "
        "FROM tickets_ticket t LEFT JOIN knowledge_ticketsearchdoc d ON d.ticket_id = t.id "
        "WHERE t.status IN ('resolved', 'closed', 'archived') AND d.ticket_id IS NULL"
    )
    now = dt.datetime.now(dt.UTC)
    created = 0
    started = time.perf_counter()
    with (
        console.status("ticket search documents…") as status,
        transaction.atomic(),
        connection.connection.cursor(name="kb_docs") as source,
    ):
        # On a first run the documents table is empty when the cursor is planned; a nested
        # loop anti join would then rescan every row this loop inserts, for each ticket.
        with connection.cursor() as settings:
            settings.execute("SET LOCAL enable_nestloop = off")
        source.itersize = BATCH
        source.execute(sql, [MessageKind.REPLY, MessageKind.WORKLOG])
        while rows := source.fetchmany(BATCH):
            out = []
            for pk, number, title, desc, error, product, version, cat, resolved, convo in rows:
                convo = convo or ""
                tokens, vector = _vector(
                    bucket_lexeme(pk, TICKET_BUCKET),
                    ("\x00".join((number, title, product, version)), "A"),
                    ("\x00".join((desc, error)), "B"),
                    ("\x00".join(convo.split("\n")), "C"),
                )
                excerpt = "\n".join(convo.split("\n")[-3:])[:600]
                out.append((pk, title, excerpt, cat, version, resolved, now, tokens, vector))
            created += _copy("knowledge_ticketsearchdoc", DOC_COLUMNS, iter(out))
            status.update(f"ticket search documents… {created:,}")
    if created:
        console.print(
            f"Indexed {created:,} resolved/closed tickets in {time.perf_counter() - started:,.1f} s."
        )
    return created


def check_vectors() -> None:
    """The bulk rows must equal what the services store: re-index a sample and compare."""
    from knowledge.models import Article, TicketSearchDoc
    from knowledge.services import article_index, ticket_index

    article = Article.objects.order_by("-pk").first()
    if article is not None:
        before = (article.search_tokens, str(article.search_vector))
        article_index(article=article)
        article.refresh_from_db()
        if (article.search_tokens, str(article.search_vector)) != before:
            raise BenchError(f"bulk article vector differs from article_index: {before[1][:200]}")
    doc = TicketSearchDoc.objects.order_by("-pk").first()
    if doc is not None:
        before = (doc.search_tokens, str(doc.search_vector))
        ticket_index(ticket_id=doc.ticket_id)
        doc.refresh_from_db()
        if (doc.search_tokens, str(doc.search_vector)) != before:
            raise BenchError(f"bulk ticket vector differs from ticket_index: {before[1][:200]}")


# --- measuring ---------------------------------------------------------------------------------


def measure(args: argparse.Namespace, ref, env: dict[str, str], console: Console) -> list:
    from django.db import connection

    from . import measure as m
    from .server import gunicorn

    bench = m.Bench(args=args, ref=ref, console=console)
    rng = random.Random(11)
    queries = [rng.choice(QUERIES) for _ in range(args.warmup + args.requests)]

    def search(i: int) -> str:
        return "/api/v1/knowledge/search/?" + urlencode({"q": queries[i], "limit": 10})

    def suggest(i: int) -> str:
        return "/knowledge/suggestions/?" + urlencode(
            {"title": queries[i], "description": queries[-1 - i], "kb_token": "bench"}
        )

    def has_hits(response) -> str | None:
        try:
            data = response.json()
        except ValueError:
            return f"not JSON: {response.text[:200]!r}"
        return None if data.get("articles") else f"no articles found: {response.url}"

    goal = m.Goal(p95_ms=GOAL_P95_MS)
    endpoints = [
        m.Endpoint("kb_search", "Knowledge search (API, agent)", "token", search, goal, has_hits),
        m.Endpoint("kb_suggest", "Suggestions while typing (engineer)", "session", suggest, goal),
    ]
    results = {
        e.key: m.Result(key=e.key, label=e.label, method="GET", path=e.path(0), goal=e.goal)
        for e in endpoints
    }
    with console.status("SQL queries per request (in process)…"):
        for e in endpoints:
            m._in_process(results[e.key], lambda e=e: bench.count_queries("GET", e.path(0), e.auth))
    connection.close()
    log = RESULTS_DIR / "gunicorn-knowledge.log"
    with gunicorn(env=env, workers=args.workers, log_path=log) as url:
        for e in endpoints:
            with console.status(f"{e.label}: {args.warmup} + {args.requests} requests…"):
                bench.measure_latency(url, e, results[e.key])
    return list(results.values())


def report(results: list, *, articles: int, docs: int, console: Console) -> Path:
    table = Table(title=f"Knowledge search: {articles:,} articles, {docs:,} ticket documents")
    for column in ("endpoint", "n", "median ms", "p95 ms", "queries", "goal", "pass"):
        table.add_column(column)
    rows = []
    for r in results:
        table.add_row(
            r.label,
            str(r.n),
            f"{r.median_ms:.1f}" if r.median_ms is not None else "—",
            f"{r.p95_ms:.1f}" if r.p95_ms is not None else "—",
            str(r.queries) if r.queries is not None else "—",
            r.goal.text(),
            {True: "yes", False: "NO", None: "—"}[r.passed],
        )
        rows.append(
            {
                "key": r.key,
                "label": r.label,
                "path": r.path,
                "n": r.n,
                "median_ms": r.median_ms,
                "p95_ms": r.p95_ms,
                "queries": r.queries,
                "goal": r.goal.text(),
                "passed": r.passed,
                "errors": r.errors,
            }
        )
    console.print(table)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / "knowledge-latest.json"
    data = {
        "when": dt.datetime.now(dt.UTC).isoformat(),
        "articles": articles,
        "ticket_documents": docs,
        "loadavg": os.getloadavg(),
        "results": rows,
    }
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return path


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    console = Console() if sys.stdout.isatty() else Console(width=140)
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    try:
        db = bench_database(os.environ.get("DATABASE_URL") or DEFAULT_URL, args.database)
        env = server_environment(db.url)
        os.environ.update(env)
        ensure_database(db, reset=False)
        import django

        django.setup()
        from knowledge.models import Article, TicketSearchDoc

        from . import database, reference, seed

        with console.status("migrating…"):
            database.migrate()
        with console.status("reference data…"):
            ref = reference.ensure_reference()
        seeded = seed.seed_tickets(ref, target=args.tickets, console=console)
        added = seed_articles(target=args.articles, console=console)
        added += seed_ticket_docs(console=console)
        with console.status("ANALYZE…"):
            database.vacuum_analyze(full=bool(added or seeded.created))
        check_vectors()
        articles, docs = Article.objects.count(), TicketSearchDoc.objects.count()
        console.print(
            f"{articles:,} articles, {docs:,} ticket documents, {seeded.total:,} tickets."
        )
        if args.seed_only:
            return 0
        results = measure(args, ref, env, console)
        path = report(results, articles=articles, docs=docs, console=console)
        console.print(f"Results written to {path}")
        errors = [e for r in results for e in r.errors]
        for error in errors:
            console.print(f"[red]{error}")
        return 1 if errors else 0
    except BenchError as exc:
        console.print(f"[bold red]bench: {exc}")
        return 1
    except KeyboardInterrupt:
        console.print("[yellow]bench: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
