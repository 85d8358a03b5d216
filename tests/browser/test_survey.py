"""A customer answers the satisfaction survey from the link in the email they received.

The survey email goes through a real SMTP server on loopback (the `smtp_server` fixture); the
link from its plain-text part is opened in headless Chromium without signing in.
"""

import re

import pytest
from playwright.sync_api import expect

from quality.models import FollowUp, Survey, SurveyAnswer
from quality.services import survey_sweep
from tests.browser.test_smoke import log_in, shoot
from tests.sla.conftest import MEDIUM, register_assigned
from tickets import services
from tickets.models import Status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def resolved_ticket(agent, customer, engineer, supervisor, org):
    team = engineer.teams.get()
    team.lead = supervisor
    team.save()
    ticket = register_assigned(agent, org, team, engineer, level=MEDIUM, contact=customer)
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.IN_PROGRESS)
    return services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.RESOLVED)


def survey_link(smtp_server, address: str) -> str:
    for received in smtp_server.received:
        if address not in received.rcpt_tos:
            continue
        message = received.message
        plain = message.get_body(preferencelist=("plain",)).get_content()
        found = re.search(r"https?://\S+/quality/survey/\S+/", plain)
        if found:
            return found.group(0)
    raise AssertionError("no survey email arrived")


def test_customer_answers_the_survey_from_the_email(
    open_page,
    page_problems,
    screenshots,
    settings,
    monkeypatch,
    live_server,
    smtp_server,
    customer,
    supervisor,
    resolved_ticket,
):
    settings.SITE_URL = live_server.url
    settings.QUALITY_SURVEY_DELAY_MINUTES = 0  # configurable: no waiting a day in a browser test
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)

    assert survey_sweep().sent == 1
    link = survey_link(smtp_server, customer.email)
    assert link.startswith(live_server.url)

    page = open_page()
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Satisfaction survey")
    expect(page.locator("main")).to_contain_text(resolved_ticket.number)
    page.locator("#q-resolution_score").get_by_label("2", exact=True).check()
    page.locator("#q-attitude_score").get_by_label("4", exact=True).check()
    page.locator("#q-speed_score").get_by_label("5", exact=True).check()
    page.get_by_label("Comment").fill("问题还会复现，希望尽快彻底解决")
    shoot(page, screenshots, "survey-form.png")
    page.get_by_role("button", name="Send my answer").click()

    expect(page.locator(".survey-thanks")).to_be_visible()
    assert not page_problems, page_problems
    answer = SurveyAnswer.objects.get()
    assert (answer.resolution_score, answer.attitude_score, answer.speed_score) == (2, 4, 5)
    assert answer.comment == "问题还会复现，希望尽快彻底解决"
    assert Survey.objects.get().status == Survey.Status.ANSWERED
    followup = FollowUp.objects.get()  # score 2: dissatisfied
    assert followup.owner == supervisor

    # The same link again: a clear page, nothing changes.
    response = page.goto(link)
    assert response.status == 410
    expect(page.locator(".survey-link-error")).to_contain_text("already been answered")
    page_problems.clear()
    assert SurveyAnswer.objects.count() == 1

    # The supervisor finds the answer on the ticket page and starts the follow-up.
    staff = open_page()
    log_in(staff, supervisor)
    staff.goto(resolved_ticket.get_absolute_url())
    panel = staff.locator("#satisfaction")
    expect(panel).to_contain_text("问题还会复现，希望尽快彻底解决")
    panel.get_by_role("link", name="Follow-up").click()
    staff.get_by_role("button", name="Start the follow-up").click()
    expect(staff.locator(".followup-status")).to_have_text("in progress")
    shoot(staff, screenshots, "followup-started.png")
    assert not page_problems, page_problems
    followup.refresh_from_db()
    assert followup.started_by == supervisor
