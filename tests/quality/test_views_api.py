"""Pages, API and admin of the quality app: who sees what, who may act, bad input."""

import datetime as dt

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from quality.models import FollowUp, Survey
from quality.services import survey_answer, survey_sweep
from quality.services.links import survey_token
from tests.factories import UserFactory
from tickets.roles import Role

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(hours=24)
CLOSE = {"cause": "根因未确认", "remedy": "更换配置", "customer_message": "很抱歉给您带来不便"}


@pytest.fixture(autouse=True)
def _fresh_throttle_cache():
    cache.clear()


@pytest.fixture
def followup(resolved, travel):
    travel.move_to(resolved.resolved_at + DAY)
    survey_sweep()
    survey = Survey.objects.get()
    survey_answer(
        number=resolved.number,
        token=survey_token(survey),
        resolution_score=1,
        attitude_score=2,
        speed_score=3,
        comment="一直没有解决",
    )
    return FollowUp.objects.get()


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


# --- pages -----------------------------------------------------------------------------------


def test_ticket_page_shows_the_answer_and_the_followup(client, followup, agent, customer):
    client.force_login(agent)
    html = client.get(followup.ticket.get_absolute_url()).content.decode()
    assert 'id="satisfaction"' in html and "一直没有解决" in html
    assert f"/quality/followups/{followup.pk}/" in html
    # The customer's portal page does not show internal survey results.
    client.force_login(customer)
    page = client.get(f"/portal/{followup.ticket.number}/")
    assert page.status_code == 200 and "一直没有解决" not in page.content.decode()


def test_followup_queue_and_actions_for_the_supervisor(client, followup, supervisor, travel):
    client.force_login(supervisor)
    queue = client.get("/quality/followups/").content.decode()
    assert f'id="followup-{followup.pk}"' in queue
    detail = client.get(f"/quality/followups/{followup.pk}/")
    assert detail.status_code == 200 and "Start the follow-up" in detail.content.decode()

    client.post(f"/quality/followups/{followup.pk}/start/")
    followup.refresh_from_db()
    assert followup.status == "started"

    # A missing field is a form error on the page; nothing is saved.
    response = client.post(
        f"/quality/followups/{followup.pk}/close/", {**CLOSE, "remedy": ""}, follow=True
    )
    assert "Remedy" in response.content.decode()
    followup.refresh_from_db()
    assert followup.status == "started"

    client.post(f"/quality/followups/{followup.pk}/close/", CLOSE)
    followup.refresh_from_db()
    assert followup.status == "closed" and followup.remedy == CLOSE["remedy"]

    # The revisit form appears once it is due, and records the outcome.
    travel.move_to(followup.revisit.due_at)
    assert "Record the revisit" in client.get(f"/quality/followups/{followup.pk}/").content.decode()
    client.post(
        f"/quality/followups/{followup.pk}/revisit/",
        {"problem_solved": "no", "unmet_needs": "需要远程培训"},
    )
    followup.revisit.refresh_from_db()
    assert followup.revisit.problem_solved is False
    assert followup.revisit.unmet_needs == "需要远程培训"
    assert 'id="followup-' in client.get("/quality/followups/?state=closed").content.decode()


def test_followup_pages_are_refused_to_others(client, followup, customer, outsider_engineer):
    client.force_login(customer)
    assert client.get("/quality/followups/").status_code == 302  # to the portal
    client.force_login(outsider_engineer)
    assert client.get(f"/quality/followups/{followup.pk}/").status_code == 404
    assert client.post(f"/quality/followups/{followup.pk}/start/").status_code == 404
    assert f"followup-{followup.pk}" not in client.get("/quality/followups/").content.decode()
    followup.refresh_from_db()
    assert followup.status == "open"


def test_an_engineer_of_the_team_sees_but_cannot_act(client, followup, engineer):
    client.force_login(engineer)
    page = client.get(f"/quality/followups/{followup.pk}/")
    assert page.status_code == 200 and "Start the follow-up" not in page.content.decode()
    client.post(f"/quality/followups/{followup.pk}/start/")
    followup.refresh_from_db()
    assert followup.status == "open"


def test_overdue_page(client, travel, agent, engineer, customer, resolved):
    from tests.quality.conftest import register_assigned
    from tests.sla.conftest import URGENT

    ticket = register_assigned(agent, resolved.organization, resolved.team, engineer, level=URGENT)
    ticket.refresh_from_db()
    client.force_login(agent)
    assert f"overdue-{ticket.pk}" not in client.get("/quality/overdue/").content.decode()
    travel.move_to(ticket.sla_due_at + dt.timedelta(minutes=5))
    assert f"overdue-{ticket.pk}" in client.get("/quality/overdue/").content.decode()
    client.force_login(engineer)
    assert client.get("/quality/overdue/").status_code == 403
    client.force_login(customer)
    assert client.get("/quality/overdue/").status_code == 302


# --- API -------------------------------------------------------------------------------------


def test_api_reads_per_ticket_visibility(followup, agent, outsider_engineer, customer):
    number = followup.ticket.number
    surveys = api(agent).get("/api/v1/quality/surveys/", {"ticket": number}).json()
    (survey,) = surveys["results"]
    assert survey["answer"]["resolution_score"] == 1 and survey["status"] == "answered"
    answers = api(agent).get("/api/v1/quality/answers/").json()["results"]
    assert [a["ticket"] for a in answers] == [number]
    assert api(outsider_engineer).get("/api/v1/quality/answers/").json()["results"] == []
    assert (
        api(outsider_engineer).get(f"/api/v1/quality/followups/{followup.pk}/").status_code == 404
    )
    for url in (
        "/api/v1/quality/surveys/",
        "/api/v1/quality/answers/",
        "/api/v1/quality/followups/",
    ):
        assert api(customer).get(url).status_code == 403
        assert api().get(url).status_code == 401
    # Read-only: no writes on surveys and answers.
    assert api(agent).post("/api/v1/quality/answers/", {}).status_code == 405


def test_api_followup_actions(followup, supervisor, engineer, travel):
    url = f"/api/v1/quality/followups/{followup.pk}/"
    assert api(engineer).post(url + "start/").status_code == 403
    started = api(supervisor).post(url + "start/")
    assert started.status_code == 200 and started.json()["status"] == "started"
    assert api(supervisor).post(url + "start/").status_code == 400

    bad = api(supervisor).post(url + "close/", {"cause": "x"}, format="json")
    assert bad.status_code == 400 and {"remedy", "customer_message"} <= set(bad.json())
    assert (
        api(supervisor).post(url + "revisit/", {"problem_solved": True}, format="json").status_code
        == 400
    )

    closed = api(supervisor).post(url + "close/", CLOSE, format="json")
    assert closed.status_code == 200 and closed.json()["revisit"]["done_at"] is None
    early = api(supervisor).post(url + "revisit/", {"problem_solved": True}, format="json")
    assert early.status_code == 400
    travel.move_to(followup.created_at + dt.timedelta(hours=49))
    done = api(supervisor).post(
        url + "revisit/", {"problem_solved": True, "unmet_needs": "无"}, format="json"
    )
    assert done.status_code == 200 and done.json()["revisit"]["problem_solved"] is True


def test_schema_documents_the_quality_endpoints(agent):
    schema = api(agent).get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/v1/quality/followups/{id}/close/" in paths
    assert paths["/api/v1/quality/followups/{id}/close/"]["post"]["summary"] == "Close a follow-up"


# --- admin -----------------------------------------------------------------------------------


def test_admin_pages(client, followup):
    admin = UserFactory(
        username="root", is_staff=True, is_superuser=True, role=Role.SUPPORT_MANAGER
    )
    client.force_login(admin)
    survey = Survey.objects.get()
    for url in (
        "/admin/quality/survey/",
        f"/admin/quality/survey/{survey.pk}/change/",
        "/admin/quality/surveyanswer/",
        f"/admin/quality/surveyanswer/{survey.answer.pk}/change/",
        "/admin/quality/followup/",
        f"/admin/quality/followup/{followup.pk}/change/",
        "/admin/quality/revisit/",
        "/admin/quality/contactpreference/add/",
        "/admin/quality/organizationpreference/add/",
    ):
        assert client.get(url).status_code == 200, url
    # Answers are audit data: no add, change or delete.
    assert client.get("/admin/quality/surveyanswer/add/").status_code == 403
    response = client.post(
        f"/admin/quality/surveyanswer/{survey.answer.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403


def test_customer_opts_in_to_the_daily_digest(client, customer, agent):
    from quality.models import ContactPreference

    client.force_login(customer)
    assert client.get("/quality/preferences/").status_code == 200
    client.post("/quality/preferences/", {"daily_digest": "on"})
    assert ContactPreference.objects.get(contact=customer).daily_digest
    client.post("/quality/preferences/", {})
    assert not ContactPreference.objects.get(contact=customer).daily_digest
    client.force_login(agent)
    assert client.get("/quality/preferences/").status_code == 302  # to the engineer UI
    assert not ContactPreference.objects.filter(contact=agent).exists()


def test_overdue_list_queries_do_not_grow_with_its_rows(client, agent, org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tests.factories import TicketFactory
    from tickets.models import Status

    def queries(url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    past = timezone.now() - dt.timedelta(hours=3)
    TicketFactory.create_batch(2, organization=org, status=Status.IN_PROGRESS, sla_due_at=past)
    client.force_login(agent)
    few = queries("/quality/overdue/")
    TicketFactory.create_batch(12, organization=org, status=Status.IN_PROGRESS, sla_due_at=past)
    html = client.get("/quality/overdue/").content.decode()
    assert html.count("overdue-") >= 14
    assert queries("/quality/overdue/") == few
