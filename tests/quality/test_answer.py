"""Answering from the signed link (no login): one answer per round; a tampered, expired,
replayed or cross-ticket link gets a clear page (400/410) and changes nothing."""

import datetime as dt
import re

import pytest
from django.core import mail, signing

from quality.models import FollowUp, Survey, SurveyAnswer
from quality.services import survey_sweep
from quality.services.links import SALT, survey_token
from tests.quality.conftest import MEDIUM, register_assigned, resolve

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(hours=24)
GOOD = {"resolution_score": "5", "attitude_score": "4", "speed_score": "5", "comment": "很好"}
BAD = {"resolution_score": "2", "attitude_score": "4", "speed_score": "5", "comment": "没解决"}


@pytest.fixture
def link(resolved, travel, django_capture_on_commit_callbacks):
    """The survey link as the customer received it by email."""
    travel.move_to(resolved.resolved_at + DAY)
    with django_capture_on_commit_callbacks(execute=True):
        survey_sweep()
    (message,) = [m for m in mail.outbox if "/quality/survey/" in m.body]
    url = re.search(r"http://testserver(/quality/survey/\S+/)", message.body).group(1)
    return url


def test_answer_from_the_emailed_link(client, link, resolved):
    page = client.get(link)
    assert page.status_code == 200
    assert resolved.number in page.content.decode()
    response = client.post(link, GOOD)
    assert response.status_code == 302 and response["Location"].endswith("/survey/thanks/")
    answer = SurveyAnswer.objects.get()
    assert (answer.resolution_score, answer.attitude_score, answer.speed_score) == (5, 4, 5)
    assert (answer.comment, answer.round, answer.dissatisfied) == ("很好", 1, False)
    assert Survey.objects.get().status == Survey.Status.ANSWERED
    assert not FollowUp.objects.exists()


def test_replayed_link_is_410_and_changes_nothing(client, link):
    client.post(link, GOOD)
    for method in (client.get, lambda url: client.post(url, BAD)):
        response = method(link)
        assert response.status_code == 410
        assert b"already been answered" in response.content
    answer = SurveyAnswer.objects.get()
    assert answer.resolution_score == 5 and not FollowUp.objects.exists()


def test_tampered_link_is_400(client, link):
    tampered = link.replace("/quality/survey/", "/quality/survey/")[:-3] + "xx/"
    for response in (client.get(tampered), client.post(tampered, GOOD)):
        assert response.status_code == 400
        assert b"not valid" in response.content
    assert not SurveyAnswer.objects.exists()


def test_forged_payload_is_400(client, link, resolved):
    """A token signed with another purpose's salt (or none) is not a survey link."""
    survey = Survey.objects.get()
    forged = signing.dumps({"s": survey.pk, "t": resolved.pk, "r": 1}, salt="other")
    response = client.post(f"/quality/survey/{resolved.number}/{forged}/", GOOD)
    assert response.status_code == 400
    assert not SurveyAnswer.objects.exists()


def test_expired_link_is_410(client, link, travel, resolved):
    travel.move_to(resolved.resolved_at + DAY + dt.timedelta(days=14, minutes=1))
    response = client.post(link, GOOD)
    assert response.status_code == 410
    assert b"expired" in response.content
    assert not SurveyAnswer.objects.exists()
    assert Survey.objects.get().status == Survey.Status.SENT


def test_cross_ticket_link_is_400(client, link, travel, agent, org, team, engineer, resolved):
    other = register_assigned(agent, org, team, engineer, level=MEDIUM)
    crossed = link.replace(resolved.number, other.number)
    response = client.post(crossed, GOOD)
    assert response.status_code == 400
    assert b"does not belong to this ticket" in response.content
    assert not SurveyAnswer.objects.exists()


def test_link_of_a_skipped_survey_is_410(client, link, resolved):
    Survey.objects.update(status=Survey.Status.SKIPPED)
    assert client.get(link).status_code == 410


def test_bad_scores_are_a_form_error_and_save_nothing(client, link):
    response = client.post(link, {**GOOD, "speed_score": "9"})
    assert response.status_code == 400
    assert b"invalid-feedback" in response.content
    response = client.post(link, {"comment": "only a comment"})
    assert response.status_code == 400
    assert client.post(link, {}).status_code == 400
    assert not SurveyAnswer.objects.exists()
    assert Survey.objects.get().status == Survey.Status.SENT


def test_one_answer_per_round_even_with_a_second_token(client, link, resolved):
    """Each round has one survey; a fresh token for the same survey cannot answer twice."""
    client.post(link, GOOD)
    again = survey_token(Survey.objects.get())
    response = client.post(f"/quality/survey/{resolved.number}/{again}/", BAD)
    assert response.status_code == 410
    assert SurveyAnswer.objects.count() == 1


def test_salt_is_specific(link):
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert signing.loads(token, salt=SALT)["r"] == 1
    with pytest.raises(signing.BadSignature):
        signing.loads(token)


def test_a_new_round_gets_its_own_answer(
    client, link, travel, engineer, resolved, django_capture_on_commit_callbacks
):
    from tickets import services
    from tickets.models import Status

    client.post(link, GOOD)
    services.ticket_transition(
        ticket_id=resolved.pk, actor=engineer, to=Status.IN_PROGRESS, reason="back again"
    )
    resolved.refresh_from_db()
    ticket = resolve(resolved, engineer)
    travel.move_to(ticket.resolved_at + DAY)
    # Same contact within the period: round 2 is skipped, so the round-1 answer stays alone.
    with django_capture_on_commit_callbacks(execute=True):
        survey_sweep()
    assert list(Survey.objects.order_by("round").values_list("round", "status")) == [
        (1, "answered"),
        (2, "skipped"),
    ]


def test_the_survey_page_speaks_the_contacts_language(client, link, contact):
    contact.language = "zh-hans"
    contact.save()
    assert "问题解决效果如何" in client.get(link).content.decode()
    client.cookies["django_language"] = "en"
    assert "How well was your problem solved?" in client.get(link).content.decode()
