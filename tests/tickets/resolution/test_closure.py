"""Verification and closure (PROCESS §12): self-test, the customer's verification (portal and
signed link, both answers), the closing checklist enforced on every path to CLOSED, and the
close-after-verification clock."""

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse

from knowledge.models import TicketArticle
from sla.models import ClockKind, ClockState
from tests.knowledge.factories import ArticleFactory
from tests.sla.conftest import clock, register_assigned
from tickets import services
from tickets.errors import DomainError, InvalidTransition
from tickets.models import (
    ClosureRecord,
    OutboundEmail,
    SelfTest,
    Status,
    Ticket,
    TicketEvent,
    Verification,
)
from tickets.services import closure


def link(ticket: Ticket, token: str | None = None) -> str:
    return reverse(
        "portal:verify_link",
        kwargs={"number": ticket.number, "token": token or closure.verification_token(ticket)},
    )


def checklist(engineer, **overrides):
    data = {
        "summary": "受理、远程诊断、修复登录服务",
        "solution": "重启认证服务并修正配置",
        "people": [engineer.pk],
        "no_article_reason": "",
    }
    data.update(overrides)
    return data


# --- self-test ----------------------------------------------------------------------------


def test_a_passed_self_test_on_a_resolved_ticket_mails_the_signed_link(resolved, engineer):
    closure.selftest_record(ticket_id=resolved.pk, actor=engineer, passed=True, notes="ok")
    mail = OutboundEmail.objects.get(ticket=resolved, template="ticket_verification")
    assert "/portal/verify/" in mail.context["verify_url"]
    assert resolved.events.filter(kind=TicketEvent.Kind.SELF_TESTED, new="passed").exists()


def test_the_customer_cannot_verify_before_a_passed_self_test(resolved, engineer, customer):
    with pytest.raises(DomainError):
        closure.verification_record(ticket_id=resolved.pk, actor=customer, solved=True)
    closure.selftest_record(ticket_id=resolved.pk, actor=engineer, passed=False, notes="仍报错")
    with pytest.raises(DomainError):
        closure.verification_record(ticket_id=resolved.pk, actor=customer, solved=True)
    assert not Verification.objects.exists()
    assert not OutboundEmail.objects.filter(template="ticket_verification").exists()


def test_a_self_test_needs_notes(resolved, engineer):
    with pytest.raises(DomainError) as exc:
        closure.selftest_record(ticket_id=resolved.pk, actor=engineer, passed=True, notes=" ")
    assert exc.value.field == "notes"
    assert not SelfTest.objects.exists()


# --- customer verification ----------------------------------------------------------------


def test_solved_keeps_the_ticket_resolved_and_starts_the_close_clock(tested, customer, travel):
    closure.verification_record(ticket_id=tested.pk, actor=customer, solved=True)
    t = Ticket.objects.get(pk=tested.pk)
    assert t.status == Status.RESOLVED
    assert t.verifications.get().outcome == Verification.Outcome.SOLVED
    close_clock = clock(t, ClockKind.CLOSE_AFTER_VERIFICATION)
    assert close_clock.state == ClockState.RUNNING
    assert close_clock.due_at is not None
    assert not closure.awaiting_verification(t)


def test_closing_stops_the_close_after_verification_clock(tested, customer, engineer):
    closure.verification_record(ticket_id=tested.pk, actor=customer, solved=True)
    closure.ticket_close(
        ticket_id=tested.pk, actor=engineer, **checklist(engineer, no_article_reason="已有文章")
    )
    assert clock(tested, ClockKind.CLOSE_AFTER_VERIFICATION).state == ClockState.MET


def test_not_solved_reopens_as_a_counted_second_round(tested, customer, engineer):
    with pytest.raises(DomainError) as exc:
        closure.verification_record(ticket_id=tested.pk, actor=customer, solved=False)
    assert exc.value.field == "comment"
    closure.verification_record(
        ticket_id=tested.pk, actor=customer, solved=False, comment="下午又无法登录"
    )
    t = Ticket.objects.get(pk=tested.pk)
    assert (t.status, t.reopen_count) == (Status.IN_PROGRESS, 1)
    assert t.events.filter(kind=TicketEvent.Kind.REOPENED).count() == 1
    assert "下午又无法登录" in t.events.get(kind=TicketEvent.Kind.REOPENED).reason
    # The second round needs its own self-test and verification.
    services.ticket_transition(ticket_id=t.pk, actor=engineer, to=Status.RESOLVED)
    t.refresh_from_db()
    assert not closure.awaiting_verification(t)
    closure.selftest_record(ticket_id=t.pk, actor=engineer, passed=True, notes="第二轮")
    closure.verification_record(ticket_id=t.pk, actor=customer, solved=True)
    assert list(t.verifications.order_by("round").values_list("round", "outcome")) == [
        (0, "not_solved"),
        (1, "solved"),
    ]


def test_a_customer_of_another_organization_cannot_verify(tested, other_customer):
    with pytest.raises(DomainError):
        closure.verification_record(ticket_id=tested.pk, actor=other_customer, solved=True)
    assert not Verification.objects.exists()


def test_portal_verification(client, tested, customer):
    client.force_login(customer)
    page = client.get(reverse("portal:detail", args=[tested.number]))
    assert b"verify-form" in page.content
    response = client.post(reverse("portal:verify", args=[tested.number]), {"solved": "1"})
    assert response.status_code == 302
    assert Verification.objects.get().via == Verification.Via.PORTAL
    page = client.get(reverse("portal:detail", args=[tested.number]))
    assert b"verify-form" not in page.content


def test_the_signed_link_verifies_without_login(client, tested):
    assert client.get(link(tested)).status_code == 200
    response = client.post(link(tested), {"solved": "0", "comment": "还是不行"})
    assert response.status_code == 200
    row = Verification.objects.get()
    assert (row.via, row.outcome, row.user) == ("link", "not_solved", None)
    t = Ticket.objects.get(pk=tested.pk)
    assert (t.status, t.reopen_count) == (Status.IN_PROGRESS, 1)


def test_a_not_solved_link_answer_without_comment_is_a_form_error(client, tested):
    response = client.post(link(tested), {"solved": "0", "comment": ""})
    assert response.status_code == 400
    assert not Verification.objects.exists()
    assert Ticket.objects.get(pk=tested.pk).status == Status.RESOLVED


def test_a_tampered_link_is_a_400_and_changes_nothing(client, tested, org, agent, team, engineer):
    token = closure.verification_token(tested)
    response = client.post(link(tested, token[:-2] + "xx"), {"solved": "1"})
    assert response.status_code == 400
    other = register_assigned(agent, org, team, engineer)
    response = client.post(
        reverse("portal:verify_link", kwargs={"number": other.number, "token": token}),
        {"solved": "1"},
    )
    assert response.status_code == 400
    forged = signing.dumps({"t": tested.pk, "r": 0}, salt="another.salt")
    assert client.post(link(tested, forged), {"solved": "1"}).status_code == 400
    assert not Verification.objects.exists()


def test_an_expired_link_is_a_410(client, tested, travel):
    url = link(tested)
    travel.shift(dt.timedelta(days=closure.LINK_MAX_AGE_DAYS, seconds=1))
    response = client.post(url, {"solved": "1"})
    assert response.status_code == 410
    assert b'data-reason="expired"' in response.content
    assert not Verification.objects.exists()


def test_a_replayed_link_is_a_410(client, tested):
    url = link(tested)
    assert client.post(url, {"solved": "1"}).status_code == 200
    response = client.post(url, {"solved": "0", "comment": "again"})
    assert response.status_code == 410
    assert Verification.objects.count() == 1
    assert Ticket.objects.get(pk=tested.pk).status == Status.RESOLVED


# --- closure ------------------------------------------------------------------------------


def test_closing_a_resolved_ticket_without_the_record_is_refused(resolved, engineer):
    with pytest.raises(InvalidTransition):
        services.ticket_transition(ticket_id=resolved.pk, actor=engineer, to=Status.CLOSED)
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED


def test_closing_without_a_summary_is_refused(resolved, engineer):
    with pytest.raises(DomainError) as exc:
        closure.ticket_close(
            ticket_id=resolved.pk,
            actor=engineer,
            **checklist(engineer, summary=" ", no_article_reason="x"),
        )
    assert exc.value.field == "summary"
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED
    assert not ClosureRecord.objects.exists()


def test_closing_without_people_is_refused(resolved, engineer, customer):
    for people in ([], [customer.pk]):
        with pytest.raises(DomainError) as exc:
            closure.ticket_close(
                ticket_id=resolved.pk,
                actor=engineer,
                **checklist(engineer, people=people, no_article_reason="x"),
            )
        assert exc.value.field == "people"


def test_closing_without_article_or_reason_is_refused(resolved, engineer):
    with pytest.raises(InvalidTransition):
        closure.ticket_close(ticket_id=resolved.pk, actor=engineer, **checklist(engineer))
    t = Ticket.objects.get(pk=resolved.pk)
    assert t.status == Status.RESOLVED
    assert not ClosureRecord.objects.exists()  # all or nothing


def test_closing_with_an_article_links_it(resolved, engineer):
    article = ArticleFactory()
    t = closure.ticket_close(
        ticket_id=resolved.pk,
        actor=engineer,
        **checklist(engineer),
        articles=[(article.pk, "created")],
    )
    assert t.status == Status.CLOSED
    assert TicketArticle.objects.filter(ticket=t, article=article, relation="created").exists()
    record = ClosureRecord.objects.get(ticket=t)
    assert list(record.people.all()) == [engineer]


def test_closing_with_a_no_article_reason(resolved, engineer):
    t = closure.ticket_close(
        ticket_id=resolved.pk, actor=engineer, **checklist(engineer, no_article_reason="已有文章")
    )
    assert t.status == Status.CLOSED


def test_closing_an_unresolved_ticket_needs_only_a_reason(travel, agent, org, team, engineer):
    ticket = register_assigned(agent, org, team, engineer)
    t = services.ticket_transition(
        ticket_id=ticket.pk, actor=engineer, to=Status.CLOSED, reason="重复工单"
    )
    assert t.status == Status.CLOSED


def test_a_closed_then_reopened_ticket_needs_a_new_record(resolved, engineer):
    closure.ticket_close(
        ticket_id=resolved.pk, actor=engineer, **checklist(engineer, no_article_reason="x")
    )
    services.ticket_transition(
        ticket_id=resolved.pk, actor=engineer, to=Status.IN_PROGRESS, reason="又出现"
    )
    services.ticket_transition(ticket_id=resolved.pk, actor=engineer, to=Status.RESOLVED)
    with pytest.raises(InvalidTransition):
        services.ticket_transition(ticket_id=resolved.pk, actor=engineer, to=Status.CLOSED)


# --- engineer UI and API ------------------------------------------------------------------


def test_ui_close_form_refuses_then_closes(client, resolved, engineer):
    client.force_login(engineer)
    page = client.get(resolved.get_absolute_url())
    assert b"closure-form" in page.content
    url = reverse("tickets:close", args=[resolved.number])
    data = {"summary": "s", "solution": "x", "people": [engineer.pk]}
    response = client.post(url, data, follow=True)
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED
    assert "reason why there is none" in response.content.decode()
    client.post(url, {**data, "no_article_reason": "已有文章"})
    assert Ticket.objects.get(pk=resolved.pk).status == Status.CLOSED


def test_ui_self_test(client, resolved, engineer):
    client.force_login(engineer)
    client.post(reverse("tickets:selftest", args=[resolved.number]), {"passed": "1", "notes": "ok"})
    assert SelfTest.objects.get().passed is True


def test_api_close_action(client, resolved, engineer):
    client.force_login(engineer)
    url = f"/api/v1/tickets/{resolved.number}/close/"
    base = {"summary": "s", "solution": "x", "people": [engineer.pk]}
    assert client.post(url, base, content_type="application/json").status_code in (400, 409)
    response = client.post(
        url, {**base, "no_article_reason": "n/a"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.CLOSED
    transition = f"/api/v1/tickets/{resolved.number}/transition/"
    assert (
        client.post(transition, {"to": "closed"}, content_type="application/json").status_code
        == 409
    )


def test_api_transition_to_closed_without_record_is_409(client, resolved, engineer):
    client.force_login(engineer)
    response = client.post(
        f"/api/v1/tickets/{resolved.number}/transition/",
        {"to": "closed"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert Ticket.objects.get(pk=resolved.pk).status == Status.RESOLVED


def test_the_24h_reminder_links_only_self_tested_rounds_and_skips_verified_ones(
    resolved, engineer, customer
):
    from tickets.mail.hooks import verification_reminders

    later = resolved.resolved_at + dt.timedelta(hours=25)
    assert verification_reminders(now=later) == 1
    mail = OutboundEmail.objects.get(ticket=resolved, template="ticket_verification")
    assert "verify_url" not in mail.context  # no self-test yet: no link to verify with
    OutboundEmail.objects.all().delete()
    closure.selftest_record(ticket_id=resolved.pk, actor=engineer, passed=True, notes="ok")
    closure.verification_record(ticket_id=resolved.pk, actor=customer, solved=True)
    OutboundEmail.objects.all().delete()
    assert verification_reminders(now=later) == 0
