"""Case reviews, root-cause reports, pitfall guides and the scheduled tasks."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils.module_loading import import_string

from knowledge import services, tasks
from knowledge.models import CaseReview, PitfallDelivery, PitfallGuide
from tests.factories import CustomerFactory, TicketFactory, category
from tickets.errors import DomainError, NotAllowed
from tickets.models import Assignment, Notification, Status, TicketEvent

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def resolved(org, *, created, resolved_at, **kwargs):
    return TicketFactory(
        organization=org,
        status=Status.CLOSED,
        created_at=created,
        resolved_at=resolved_at,
        **kwargs,
    )


def _answer(ticket, *, dissatisfied: bool) -> None:
    from quality.models import Survey, SurveyAnswer

    survey = Survey.objects.create(
        ticket=ticket, round=1, email="c@example.com", due_at=ticket.resolved_at
    )
    score = 1 if dissatisfied else 5
    SurveyAnswer.objects.create(
        survey=survey,
        ticket=ticket,
        round=1,
        resolution_score=score,
        attitude_score=score,
        speed_score=score,
        dissatisfied=dissatisfied,
    )


def test_case_review_proposes_candidates_and_notifies_once(org, supervisor, engineer):
    old = dt.datetime(2026, 1, 10, tzinfo=UTC)
    resolved(org, created=old, resolved_at=old, category=category("network"))
    seen_before = resolved(
        org,
        created=dt.datetime(2026, 2, 3, tzinfo=UTC),
        resolved_at=dt.datetime(2026, 2, 3, 2, tzinfo=UTC),
        category=category("network"),
    )
    new_category = resolved(
        org,
        created=dt.datetime(2026, 2, 5, tzinfo=UTC),
        resolved_at=dt.datetime(2026, 2, 5, 1, tzinfo=UTC),
        category=category("hardware"),
    )
    reopened = resolved(
        org,
        created=dt.datetime(2026, 2, 6, tzinfo=UTC),
        resolved_at=dt.datetime(2026, 2, 6, 1, tzinfo=UTC),
        reopen_count=1,
    )
    handed = resolved(
        org,
        created=dt.datetime(2026, 2, 7, tzinfo=UTC),
        resolved_at=dt.datetime(2026, 2, 7, 1, tzinfo=UTC),
    )
    TicketEvent.objects.create(ticket=handed, kind=TicketEvent.Kind.HANDED_BACK)
    unhappy = resolved(
        org,
        created=dt.datetime(2026, 2, 9, tzinfo=UTC),
        resolved_at=dt.datetime(2026, 2, 9, 1, tzinfo=UTC),
    )
    _answer(unhappy, dissatisfied=True)
    _answer(seen_before, dissatisfied=False)
    for _ in range(2):
        Assignment.objects.create(ticket=reopened, kind=Assignment.Kind.MANUAL, assignee=engineer)
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, tzinfo=UTC), tick=False):
        assert tasks.monthly_case_review() is not None
        assert tasks.monthly_case_review() is None  # idempotent
    review = CaseReview.objects.get()
    assert review.month == dt.date(2026, 2, 1)
    reasons = {i.ticket_id: i.reasons for i in review.items.all()}
    assert "first_category" in reasons[new_category.pk]
    assert "first_category" not in reasons.get(seen_before.pk, [])
    assert {"reopened", "escalated"} <= set(reasons[reopened.pk])
    assert "escalated" in reasons[handed.pk]
    assert "low_satisfaction" in reasons[unhappy.pk]
    assert "low_satisfaction" not in reasons.get(seen_before.pk, [])
    assert Notification.objects.filter(recipient=supervisor, kind="kb_case_review").count() == 1


def test_monthly_task_waits_for_first_working_day(supervisor):
    # 2026-03-01 is a Sunday: the first working day is Monday the 2nd
    assert tasks.monthly_case_review(today=dt.date(2026, 3, 1)) is None
    assert not CaseReview.objects.exists()
    assert tasks.is_first_working_day(dt.date(2026, 10, 8))  # after the National Day holiday


def test_chosen_case_becomes_article_draft(org, supervisor, engineer):
    ticket = resolved(
        org,
        created=dt.datetime(2026, 2, 5, tzinfo=UTC),
        resolved_at=dt.datetime(2026, 2, 5, 1, tzinfo=UTC),
        category=category("hardware"),
    )
    review = services.case_review_prepare(today=dt.date(2026, 3, 2))
    item = review.items.get(ticket=ticket)
    with pytest.raises(DomainError):
        services.case_review_draft_article(item_id=item.pk, actor=supervisor)
    with pytest.raises(NotAllowed):
        services.case_review_choose(item_id=item.pk, actor=engineer, chosen=True)
    services.case_review_choose(item_id=item.pk, actor=supervisor, chosen=True)
    article = services.case_review_draft_article(item_id=item.pk, actor=supervisor)
    assert article.title == ticket.title
    item.refresh_from_db()
    assert item.article == article


def test_root_cause_report_within_48_hours_only(org, agent):
    resolved_at = dt.datetime(2026, 5, 1, 10, tzinfo=UTC)
    ticket = TicketFactory(organization=org, status=Status.RESOLVED, resolved_at=resolved_at)
    article = ArticleFactory()
    data = {"title": "根因", "root_cause": "证书过期", "corrective_actions": "监控证书有效期"}
    report = services.root_cause_report_create(
        ticket_id=ticket.pk,
        actor=agent,
        data=data,
        article_ids=[article.pk],
        now=resolved_at + dt.timedelta(hours=47),
    )
    assert list(report.articles.all()) == [article]
    with pytest.raises(DomainError):
        services.root_cause_report_create(
            ticket_id=ticket.pk, actor=agent, data=data, now=resolved_at + dt.timedelta(hours=49)
        )
    open_ticket = TicketFactory(organization=org)
    with pytest.raises(DomainError):
        services.root_cause_report_create(ticket_id=open_ticket.pk, actor=agent, data=data)


def run_tasks_inline(monkeypatch):
    """async_task runs the task in-process (as a cluster would), right after the commit."""
    monkeypatch.setattr(
        "django_q.tasks.async_task", lambda func, *args, **kw: import_string(func)(*args)
    )


def test_pitfall_guide_mailed_once_per_recipient(
    org, other_org, supervisor, customer, django_capture_on_commit_callbacks, monkeypatch
):
    run_tasks_inline(monkeypatch)
    CustomerFactory(username="carol", organization=org)
    CustomerFactory(username="dave", organization=other_org)
    guide = PitfallGuide.objects.create(title="VPN 避坑指南", introduction="常见问题")
    guide.articles.add(ArticleFactory(title="VPN 断线"))
    guide.organizations.add(org)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.pitfall_guide_send(guide_id=guide.pk, actor=supervisor) == 2
    assert len(mail.outbox) == 2  # the task runs synchronously in tests
    assert "VPN 断线" in mail.outbox[0].body
    assert services.pitfall_guide_send(guide_id=guide.pk, actor=supervisor) == 0
    assert tasks.send_pitfall_guide(guide.pk) == 0
    assert len(mail.outbox) == 2
    assert PitfallDelivery.objects.filter(sent_at__isnull=False).count() == 2


def test_pitfall_guide_refuses_internal_articles(supervisor, engineer):
    guide = PitfallGuide.objects.create(title="x")
    guide.articles.add(ArticleFactory(audience="internal"))
    with pytest.raises(DomainError):
        services.pitfall_guide_send(guide_id=guide.pk, actor=supervisor)
    with pytest.raises(NotAllowed):
        services.pitfall_guide_send(guide_id=guide.pk, actor=engineer)


def test_index_command_and_schedules_are_declared(org, capsys):
    from django.core.management import call_command

    from tickets.management.commands.setup_schedules import declared_schedules

    TicketFactory(organization=org, status=Status.CLOSED, title="磁盘满")
    ArticleFactory()
    call_command("kb_index", "--articles")
    out = capsys.readouterr().out
    assert "tickets indexed or dropped: 1" in out
    assert "articles indexed: 1" in out
    funcs = {func for _name, func, _cron in declared_schedules()}
    assert {"knowledge.tasks.review_reminders", "knowledge.tasks.monthly_case_review"} <= funcs


def test_meeting_record_on_the_review_page(client, supervisor, engineer, org):
    from django.urls import reverse

    ticket = resolved(
        org,
        created=dt.datetime(2026, 2, 5, tzinfo=UTC),
        resolved_at=dt.datetime(2026, 2, 5, 1, tzinfo=UTC),
        category=category("hardware"),
    )
    review = services.case_review_prepare(today=dt.date(2026, 3, 2))
    item = review.items.get(ticket=ticket)
    url = reverse("knowledge:review", args=[review.pk])
    client.force_login(engineer)
    assert client.get(url).status_code == 200
    client.post(url, {"action": "choose", "item": item.pk})
    item.refresh_from_db()
    assert not item.chosen  # engineers are not organizers
    response = client.post(url, {"action": "record", "notes": "x"})
    assert "organizer" in response.content.decode()
    client.force_login(supervisor)
    client.post(url, {"action": "choose", "item": item.pk})
    client.post(url, {"action": "draft", "item": item.pk})
    item.refresh_from_db()
    assert item.chosen and item.article is not None
    client.post(url, {"action": "record", "held_at": "2026-03-03T14:00", "notes": "复盘结论"})
    review.refresh_from_db()
    assert review.notes == "复盘结论" and review.held_at is not None
    future = client.post(url, {"action": "record", "held_at": "2999-01-01T10:00", "notes": "y"})
    assert future.status_code == 200
    review.refresh_from_db()
    assert review.notes == "复盘结论"


def test_guides_page_creates_and_sends(
    client, supervisor, engineer, org, customer, django_capture_on_commit_callbacks, monkeypatch
):
    from django.urls import reverse

    run_tasks_inline(monkeypatch)
    public = ArticleFactory(title="VPN 断线")
    internal = ArticleFactory(audience="internal")
    url = reverse("knowledge:guides")
    client.force_login(engineer)
    assert client.get(url).status_code == 200
    client.post(
        url,
        {"action": "create", "title": "x", "articles": str(public.pk), "organizations": [org.pk]},
    )
    assert not PitfallGuide.objects.exists()  # engineers do not organize
    client.force_login(supervisor)
    refused = client.post(
        url,
        {
            "action": "create",
            "title": "VPN",
            "articles": f"{public.pk} {internal.pk}",
            "organizations": [org.pk],
        },
    )
    assert refused.status_code == 200 and not PitfallGuide.objects.exists()
    client.post(
        url,
        {"action": "create", "title": "VPN", "articles": str(public.pk), "organizations": [org.pk]},
    )
    guide = PitfallGuide.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "send", "guide": guide.pk})
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert client.post(url, {"action": "send", "guide": "x"}).status_code == 404
    assert "VPN" in client.get(url).content.decode()
