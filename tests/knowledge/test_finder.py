"""Search and suggestions against the database (SQLite fallback or PostgreSQL vectors)."""

import pytest

from knowledge import finder, services
from knowledge.models import TicketSearchDoc
from tests.factories import MessageFactory, TicketFactory, category
from tickets.models import MessageKind, Status

pytestmark = pytest.mark.django_db


def titles(hits):
    return [h.obj.title for h in hits]


def test_chinese_query_finds_related_wording(corpus, agent):
    hits = finder.search_articles(
        user=agent, text="登录失败", filters=finder.Filters(status="published", audience="public")
    )
    assert hits[0].obj == corpus["login"]
    assert corpus["printer"] not in [h.obj for h in hits]
    assert "<mark>" in hits[0].snippet or hits[0].why


def test_english_typo_still_finds_article(corpus, agent):
    hits = finder.search_articles(user=agent, text="pasword reset")
    assert hits[0].obj == corpus["password"]


def test_partial_error_code_and_why(corpus, agent):
    hits = finder.search_articles(user=agent, text="vpn error 809")
    assert hits[0].obj == corpus["vpn"]
    fields = dict(hits[0].why)
    assert any("vpn" in terms for terms in fields.values())


def test_customer_never_sees_internal_or_unpublished(corpus, customer):
    hits = finder.search_articles(user=customer, text="登录")
    found = [h.obj for h in hits]
    assert corpus["login"] in found
    assert corpus["internal"] not in found
    assert corpus["draft"] not in found
    assert all("secret-internal" not in h.snippet for h in hits)


def test_customer_gets_no_ticket_hits(corpus, customer, org):
    ticket = TicketFactory(organization=org, title="无法登录", status=Status.RESOLVED)
    services.ticket_index(ticket_id=ticket.pk)
    assert finder.search_tickets(user=customer, text="登录") == []


def test_filters(corpus, agent):
    by_version = finder.search_articles(
        user=agent, text="登录", filters=finder.Filters(product_version="3.2")
    )
    assert [h.obj for h in by_version] == [corpus["login"]]
    internal = finder.search_articles(
        user=agent, text="登录", filters=finder.Filters(audience="internal")
    )
    assert [h.obj for h in internal] == [corpus["internal"]]


def test_category_filter_includes_children(corpus, agent, expert):
    services.article_update(
        article_id=corpus["printer"].pk, actor=expert, data={"category": category("network-down")}
    )
    hits = finder.search_articles(
        user=agent, text="打印机", filters=finder.Filters(category=category("network"))
    )
    assert [h.obj for h in hits] == [corpus["printer"]]


def test_resolved_tickets_are_indexed_and_found(agent, engineer, org):
    ticket = TicketFactory(
        organization=org,
        title="邮件服务器连接超时",
        description="Outlook 无法连接",
        status=Status.RESOLVED,
    )
    MessageFactory(
        ticket=ticket, kind=MessageKind.WORKLOG, body="重启 SMTP 服务后恢复", author=engineer
    )
    open_ticket = TicketFactory(
        organization=org, title="邮件服务器连接超时 2", status=Status.IN_PROGRESS
    )
    assert services.ticket_index_backfill() == 1
    hits = finder.search_tickets(user=agent, text="邮件 超时")
    assert [h.obj.ticket for h in hits] == [ticket]
    assert not TicketSearchDoc.objects.filter(ticket=open_ticket).exists()
    # reopened: the document goes away
    ticket.status = Status.IN_PROGRESS
    ticket.save()
    services.ticket_index(ticket_id=ticket.pk)
    assert finder.search_tickets(user=agent, text="邮件 超时") == []


def test_engineer_sees_only_tickets_in_scope(outsider_engineer, org):
    ticket = TicketFactory(organization=org, title="邮件服务器连接超时", status=Status.CLOSED)
    services.ticket_index(ticket_id=ticket.pk)
    assert finder.search_tickets(user=outsider_engineer, text="邮件") == []


def test_suggestions_only_published_articles(corpus, agent):
    hits = finder.suggestions(user=agent, text="登录 失败")
    assert corpus["draft"] not in [h.obj for h in hits]
    assert finder.suggestions(user=agent, text="x") == []


def test_ticket_found_by_partial_number(agent, org):
    ticket = TicketFactory(organization=org, title="磁盘已满", status=Status.CLOSED)
    services.ticket_index(ticket_id=ticket.pk)
    day = ticket.number.split("-")[1]
    hits = finder.search_tickets(user=agent, text=day[:6])
    assert [h.obj.ticket for h in hits] == [ticket]


def test_resolving_a_ticket_indexes_it_at_once_and_reopening_drops_it(
    agent, engineer, org, django_capture_on_commit_callbacks, monkeypatch
):
    from tickets import services as ticket_services

    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)  # the queued task runs in the test

    ticket = TicketFactory(
        organization=org,
        title="邮件服务器连接超时",
        status=Status.IN_PROGRESS,
        assignee=engineer,
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to="resolved")
    assert TicketSearchDoc.objects.filter(ticket=ticket).exists()
    with django_capture_on_commit_callbacks(execute=True):
        ticket_services.ticket_transition(
            ticket_id=ticket.pk, actor=engineer, to="in_progress", reason="客户说又出现了"
        )
    assert not TicketSearchDoc.objects.filter(ticket=ticket).exists()


@pytest.fixture
def small_buckets(monkeypatch):
    """Buckets of three ids and four candidates per stage, so that a few dozen tickets span
    many windows (PostgreSQL searches the newest buckets first)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("bucket windows are PostgreSQL's; SQLite ranks a bounded candidate set")
    monkeypatch.setattr(TicketSearchDoc, "SEARCH_BUCKET", 3)
    monkeypatch.setattr(finder, "PG_CANDIDATES", 4)


def closed(org, title):
    ticket = TicketFactory(organization=org, title=title, status=Status.CLOSED)
    services.ticket_index(ticket_id=ticket.pk)
    return ticket


def test_newest_matches_are_found_across_bucket_windows(agent, org, small_buckets):
    matches = []
    for i in range(14):
        matches.append(closed(org, "打印机离线"))  # the same words: equal rank, newest first
        for _ in range(i % 3):
            closed(org, "邮件超时")  # gaps between the matches
    doc = TicketSearchDoc.objects.get(ticket=matches[-1])
    assert f"'~{matches[-1].pk // 3}'" in str(doc.search_vector)
    # every word: the four newest; any word: the next four (the stages skip what was found)
    hits = finder.search_tickets(user=agent, text="打印机 离线", limit=8)
    assert [h.obj.ticket for h in hits] == matches[::-1][:8]


def test_a_rare_word_in_an_old_bucket_is_found(agent, org, small_buckets):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    old = closed(org, "磁盘阵列告警")
    for _ in range(40):
        closed(org, "邮件超时")
    with CaptureQueriesContext(connection) as ctx:
        hits = finder.search_tickets(user=agent, text="磁盘阵列")
    assert [h.obj.ticket for h in hits] == [old]
    windows = [q["sql"] for q in ctx.captured_queries if "@@" in q["sql"]]
    assert "'~" in windows[0]  # the newest buckets first…
    assert "'~" not in windows[-1]  # …then, with nothing found there, the rest at once


def test_migration_adds_and_removes_bucket_lexemes_of_stored_vectors(agent, org):
    """0003 rewrites the vectors stored before it (PostgreSQL): add, and back."""
    import importlib

    from django.apps import apps
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("vectors are stored on PostgreSQL only")
    migration = importlib.import_module("knowledge.migrations.0003_search_buckets")
    doc = TicketSearchDoc.objects.get(ticket=closed(org, "磁盘阵列告警"))
    lexeme = f"'~{doc.pk // 10_000}'"

    def vector() -> str:
        return str(TicketSearchDoc.objects.get(pk=doc.pk).search_vector)

    assert lexeme in vector()
    with connection.cursor() as cursor:  # the test's rows are checked now, as before a migration
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor() as editor:
        migration.remove_buckets(apps, editor)
    assert lexeme not in vector() and "'磁盘'" in vector()
    with connection.schema_editor() as editor:
        migration.add_buckets(apps, editor)
    assert lexeme in vector()
    assert [h.obj.ticket_id for h in finder.search_tickets(user=agent, text="磁盘阵列")] == [doc.pk]
