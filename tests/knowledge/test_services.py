"""Article services with factories: workflow, versions, periodic review, ticket links."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from knowledge import selectors, services
from knowledge.models import Article, ArticleStatus, Relation, TicketArticle
from tests.factories import MessageFactory, TicketFactory, UserFactory
from tickets.errors import DomainError, InvalidTransition, NotAllowed
from tickets.models import MessageKind, Notification, Status
from tickets.roles import Role

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

DATA = {"title": "无法登录", "symptom": "提示密码错误", "solution": "重置密码"}


def test_create_is_a_draft_owned_by_the_author(engineer):
    article = services.article_create(actor=engineer, data=DATA)
    assert article.status == ArticleStatus.DRAFT
    assert article.author == engineer
    assert "登录" in Article.objects.get(pk=article.pk).search_tokens


def test_customer_cannot_write(customer):
    with pytest.raises(NotAllowed):
        services.article_create(actor=customer, data=DATA)


def test_required_fields_are_checked(engineer):
    with pytest.raises(DomainError) as exc:
        services.article_create(actor=engineer, data={**DATA, "title": "  "})
    assert exc.value.field == "title"
    draft = services.article_create(actor=engineer, data={**DATA, "solution": ""})
    with pytest.raises(DomainError) as exc:
        services.article_transition(article_id=draft.pk, actor=engineer, to="in_review")
    assert exc.value.field == "solution"


def test_review_by_someone_else_publishes(engineer, expert):
    article = services.article_create(actor=engineer, data=DATA)
    services.article_transition(article_id=article.pk, actor=engineer, to=ArticleStatus.IN_REVIEW)
    with pytest.raises(NotAllowed):
        services.article_transition(
            article_id=article.pk, actor=engineer, to=ArticleStatus.PUBLISHED
        )
    with time_machine.travel(dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC), tick=False):
        article = services.article_transition(
            article_id=article.pk, actor=expert, to=ArticleStatus.PUBLISHED
        )
    assert article.reviewer == expert
    assert article.review_due == dt.date(2026, 3, 1) + dt.timedelta(days=91)


def test_reviewer_cannot_publish_own_article(expert):
    article = services.article_create(actor=expert, data=DATA)
    services.article_transition(article_id=article.pk, actor=expert, to=ArticleStatus.IN_REVIEW)
    with pytest.raises(NotAllowed):
        services.article_transition(article_id=article.pk, actor=expert, to=ArticleStatus.PUBLISHED)
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.IN_REVIEW


def test_illegal_move_is_refused(engineer, expert):
    article = services.article_create(actor=engineer, data=DATA)
    with pytest.raises(InvalidTransition):
        services.article_transition(article_id=article.pk, actor=expert, to=ArticleStatus.PUBLISHED)


def test_versions_are_kept_and_diffed(engineer):
    article = services.article_create(actor=engineer, data=DATA)
    services.article_update(
        article_id=article.pk,
        actor=engineer,
        data={"solution": "重置密码\n清除缓存"},
        reason="补充",
    )
    versions = list(selectors.article_versions(article=article))
    assert len(versions) == 2
    assert versions[0].history_change_reason == "补充"
    diff = selectors.version_diff(versions[1], versions[0])
    assert [d.label for d in diff] == ["solution"]
    assert ("+", "清除缓存") in diff[0].lines


def test_published_article_edited_by_reviewer_only(engineer, expert):
    article = ArticleFactory(author=engineer)
    with pytest.raises(NotAllowed):
        services.article_update(article_id=article.pk, actor=engineer, data={"title": "x"})
    services.article_update(article_id=article.pk, actor=expert, data={"title": "新标题"})
    assert Article.objects.get(pk=article.pk).title == "新标题"


def test_delete_only_unpublished_drafts(engineer):
    draft = services.article_create(actor=engineer, data=DATA)
    published = ArticleFactory(author=engineer)
    with pytest.raises(DomainError):
        services.article_delete(article_id=published.pk, actor=engineer)
    services.article_delete(article_id=draft.pk, actor=engineer)
    assert not Article.objects.filter(pk=draft.pk).exists()


def test_review_reminder_once_per_due_period(engineer, settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    article = ArticleFactory(author=engineer, review_due=dt.date(2026, 6, 1))
    with time_machine.travel(dt.datetime(2026, 5, 31, 9, tzinfo=dt.UTC), tick=False):
        assert services.review_reminders_send() == 0
    with time_machine.travel(dt.datetime(2026, 6, 2, 9, tzinfo=dt.UTC), tick=False):
        assert services.review_reminders_send() == 1
        assert services.review_reminders_send() == 0
        assert selectors.article_overdue().get() == article
    note = Notification.objects.get(recipient=engineer)
    assert note.kind == "kb_review_due"
    # confirming the review starts a new period; its due date reminds again, once
    with time_machine.travel(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC), tick=False):
        services.article_mark_reviewed(article_id=article.pk, actor=engineer)
    article.refresh_from_db()
    assert article.review_due == dt.date(2026, 6, 3) + dt.timedelta(days=91)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        assert services.review_reminders_send() == 1
        assert services.review_reminders_send() == 0


def test_only_owner_or_reviewer_confirms_review(engineer, outsider_engineer):
    article = ArticleFactory(author=engineer, review_due=dt.date(2026, 1, 1))
    with pytest.raises(NotAllowed):
        services.article_mark_reviewed(article_id=article.pk, actor=outsider_engineer)


def test_draft_from_ticket_prefills_and_links(engineer, agent, customer, org):
    ticket = TicketFactory(
        organization=org, title="VPN 断线", description="每隔几分钟断开", error_message="error 809"
    )
    MessageFactory(
        ticket=ticket, kind=MessageKind.WORKLOG, body="抓包发现 NAT 超时", author=engineer
    )
    MessageFactory(ticket=ticket, kind=MessageKind.NOTE, body="内部备注不要带出", author=engineer)
    MessageFactory(
        ticket=ticket, kind=MessageKind.REPLY, body="请在防火墙开启 NAT-T", author=engineer
    )
    MessageFactory(ticket=ticket, kind=MessageKind.REPLY, body="客户：好的", author=customer)
    data = services.article_draft_data_from_ticket(ticket=ticket)
    assert data["title"] == "VPN 断线"
    assert "error 809" in data["symptom"]
    assert "NAT 超时" in data["diagnosis"]
    assert data["solution"] == "请在防火墙开启 NAT-T"
    assert "内部备注" not in " ".join(str(v) for v in data.values())
    article = services.article_create(actor=agent, data=data, from_ticket_id=ticket.pk)
    link = TicketArticle.objects.get(ticket=ticket)
    assert (link.article, link.relation) == (article, Relation.CREATED)
    assert list(article.source_tickets.all()) == [ticket]


def test_link_and_unlink(agent, org):
    ticket = TicketFactory(organization=org)
    article = ArticleFactory()
    link = services.ticket_article_link(
        ticket_id=ticket.pk, article_id=article.pk, relation=Relation.UPDATED, actor=agent
    )
    again = services.ticket_article_link(
        ticket_id=ticket.pk, article_id=article.pk, relation=Relation.UPDATED, actor=agent
    )
    assert link == again
    assert list(article.source_tickets.all()) == [ticket]
    services.ticket_article_unlink(link_id=link.pk, actor=agent)
    assert not TicketArticle.objects.exists()


def test_link_refused_outside_scope(outsider_engineer, customer, org):
    ticket = TicketFactory(organization=org)
    article = ArticleFactory()
    with pytest.raises(DomainError):
        services.ticket_article_link(
            ticket_id=ticket.pk,
            article_id=article.pk,
            relation="referenced",
            actor=outsider_engineer,
        )
    with pytest.raises(NotAllowed):
        services.ticket_article_link(
            ticket_id=ticket.pk, article_id=article.pk, relation="referenced", actor=customer
        )


def test_kpi_counts_first_publications_per_author_month(engineer):
    other = UserFactory(username="writer2", role=Role.ENGINEER)
    for day, author in ((3, engineer), (20, engineer), (5, other)):
        ArticleFactory(author=author, published_at=dt.datetime(2026, 4, day, 12, tzinfo=dt.UTC))
    ArticleFactory(author=engineer, published_at=dt.datetime(2026, 5, 2, 12, tzinfo=dt.UTC))
    ArticleFactory(author=engineer, status=ArticleStatus.DRAFT)
    rows = selectors.articles_published_per_author(
        since=dt.date(2026, 4, 1), until=dt.date(2026, 6, 1)
    )
    assert [(r["month"].month, r["author_id"], r["published"]) for r in rows] == [
        (4, engineer.pk, 2),
        (4, other.pk, 1),
        (5, engineer.pk, 1),
    ]


def test_deflection_counts_abandoned_forms(customer, org):
    article = ArticleFactory()
    start = dt.datetime(2026, 5, 1, 9, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        services.suggestion_click_record(
            token="11111111-1111-1111-1111-111111111111", user=customer, article_id=article.pk
        )
        services.suggestion_click_record(
            token="22222222-2222-2222-2222-222222222222", user=customer, article_id=article.pk
        )
    with time_machine.travel(start + dt.timedelta(minutes=50), tick=False):
        services.suggestion_click_record(
            token="33333333-3333-3333-3333-333333333333", user=customer, article_id=article.pk
        )
        TicketFactory(organization=org, contact=customer, created_at=timezone.now())
    stats = selectors.deflection_stats(
        since=start - dt.timedelta(hours=1),
        until=start + dt.timedelta(hours=2),
        minutes=30,
        now=start + dt.timedelta(hours=3),
    )
    assert (stats.forms_with_clicks, stats.deflected) == (3, 2)


def test_customer_click_on_internal_article_is_ignored(customer):
    internal = ArticleFactory(audience="internal")
    assert (
        services.suggestion_click_record(
            token="11111111-1111-1111-1111-111111111111", user=customer, article_id=internal.pk
        )
        is None
    )
    assert services.suggestion_click_record(token="not-a-uuid", user=customer, article_id=1) is None


def test_ticket_index_follows_status(org):
    ticket = TicketFactory(organization=org, title="磁盘已满", status=Status.CLOSED)
    assert services.ticket_index(ticket_id=ticket.pk).title == "磁盘已满"
    assert services.ticket_index_backfill() == 0  # up to date
