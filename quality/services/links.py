"""Signed, expiring survey links that need no login (django.core.signing, one salt per purpose).

The token carries the survey, its ticket and round; the URL carries the ticket number too, so a
token pasted under another ticket's address is refused. The signature covers all of it.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from tickets.errors import DomainError

from .. import conf
from ..models import Survey

SALT = "quality.survey.answer"


class SurveyLinkError(DomainError):
    """A link that cannot be used; `status` is the HTTP status of the page that explains it."""

    def __init__(self, message: str, *, status: int, reason: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def survey_token(survey: Survey) -> str:
    return signing.dumps({"s": survey.pk, "t": survey.ticket_id, "r": survey.round}, salt=SALT)


def survey_url(survey: Survey) -> str:
    path = reverse(
        "quality:survey_answer",
        kwargs={"number": survey.ticket.number, "token": survey_token(survey)},
    )
    return f"{settings.SITE_URL}{path}"


def survey_from_token(*, number: str, token: str) -> Survey:
    """The survey a link points at, or a SurveyLinkError saying why it cannot be used."""
    try:
        data = signing.loads(token, salt=SALT, max_age=conf.survey_link_age())
    except signing.SignatureExpired:
        raise SurveyLinkError(
            _("This survey link has expired. Thank you all the same."),
            status=410,
            reason="expired",
        ) from None
    except signing.BadSignature:
        raise SurveyLinkError(
            _("This survey link is not valid. Please use the link from the email exactly."),
            status=400,
            reason="invalid",
        ) from None
    if not isinstance(data, dict) or not {"s", "t", "r"} <= data.keys():
        raise SurveyLinkError(
            _("This survey link is not valid. Please use the link from the email exactly."),
            status=400,
            reason="invalid",
        )
    survey = (
        Survey.objects.select_related("ticket")
        .filter(pk=data["s"], ticket_id=data["t"], round=data["r"])
        .first()
    )
    if survey is None or survey.ticket.number != number:
        raise SurveyLinkError(
            _("This survey link does not belong to this ticket."),
            status=400,
            reason="other_ticket",
        )
    survey_assert_open(survey)
    return survey


def survey_assert_open(survey: Survey) -> None:
    if survey.status == Survey.Status.ANSWERED:
        raise SurveyLinkError(
            _("This survey has already been answered. Thank you for your feedback."),
            status=410,
            reason="answered",
        )
    if survey.status != Survey.Status.SENT:
        raise SurveyLinkError(
            _("This survey is not open for answers."), status=410, reason="not_open"
        )
