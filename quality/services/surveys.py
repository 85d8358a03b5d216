"""Sending satisfaction surveys and recording answers (PROCESS §13).

The sweep is set-based and idempotent: one INSERT … ON CONFLICT DO NOTHING creates the round's
survey row, a `SELECT … FOR UPDATE SKIP LOCKED` plus a conditional UPDATE claims the due ones, and
the email is queued with an event key per survey (exactly once per address).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from sla.services import sla_on_event
from tickets.errors import DomainError
from tickets.models import Status, Ticket

from .. import conf
from ..models import Survey, SurveyAnswer
from .followups import followup_open
from .links import survey_assert_open, survey_from_token, survey_url

SURVEYED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.ARCHIVED)
BATCH = 500
ADVISORY_LOCK = 0x51_5552_5645  # "QSURVE": the survey sweep's claim-and-send turn


@dataclass
class SurveySweepResult:
    created: int = 0
    sent: int = 0
    skipped: int = 0


def _create_due_rows(now: dt.datetime) -> int:
    """A pending survey for each resolved round without one (at most `BATCH` per sweep)."""
    delay, early = conf.survey_delay(), conf.survey_early()
    oldest = now - dt.timedelta(days=conf.get("QUALITY_SURVEY_MAX_AGE_DAYS"))
    has_survey = Survey.objects.filter(ticket=OuterRef("pk"), round=OuterRef("reopen_count") + 1)
    tickets = (
        Ticket.objects.filter(
            status__in=SURVEYED_STATUSES,
            resolved_at__isnull=False,
            resolved_at__lte=now - delay + early,
            resolved_at__gte=oldest,
        )
        .filter(~Exists(has_survey))
        .select_related("contact")
        .order_by("resolved_at", "pk")[:BATCH]
    )
    rows = []
    for ticket in tickets:
        contact = ticket.contact
        email = (contact.email if contact and contact.email else ticket.contact_email) or ""
        rows.append(
            Survey(
                ticket=ticket,
                round=ticket.reopen_count + 1,
                contact=contact,
                email=email.strip().lower(),
                due_at=ticket.resolved_at + delay,
                created_at=now,
            )
        )
    Survey.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _claim(now: dt.datetime) -> list[Survey]:
    # Only the current round of a ticket still resolved or closed (EXISTS: no join to lock).
    current = Ticket.objects.filter(
        pk=OuterRef("ticket_id"),
        status__in=SURVEYED_STATUSES,
        reopen_count=OuterRef("round") - 1,
    )
    qs = Survey.objects.filter(
        Exists(current), status=Survey.Status.PENDING, due_at__lte=now + conf.survey_early()
    )
    ids = list(
        qs.order_by("due_at", "pk")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return []
    # The conditional update is the claim: a second sweep finds nothing pending.
    expires = now + conf.survey_link_age()
    Survey.objects.filter(pk__in=ids, status=Survey.Status.PENDING).update(
        status=Survey.Status.SENT, sent_at=now, expires_at=expires
    )
    return list(
        Survey.objects.filter(pk__in=ids, sent_at=now)
        .select_related("ticket", "contact")
        .order_by("due_at", "pk")
    )


def _serialize_sweeps() -> None:
    """Concurrent sweeps take turns for the claim-and-send transaction (PostgreSQL advisory
    lock, released at commit), so the once-per-period rule sees the other sweep's surveys.
    SQLite serializes writers anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])


def survey_sweep(*, now: dt.datetime | None = None) -> SurveySweepResult:
    """Create and send the due surveys; safe to run twice, concurrently or after downtime."""
    from tickets.mail.outbound import email_queue

    now = now or timezone.now()
    result = SurveySweepResult()
    with transaction.atomic():
        result.created = _create_due_rows(now)
    with transaction.atomic():
        _serialize_sweeps()
        claimed = _claim(now)
        if not claimed:
            return result
        recent = set(
            Survey.objects.filter(
                email__in={s.email for s in claimed if s.email},
                sent_at__gte=now - conf.contact_period(),
                status__in=(Survey.Status.SENT, Survey.Status.ANSWERED),
            )
            .exclude(pk__in=[s.pk for s in claimed])
            .values_list("email", flat=True)
        )
        skipped: list[Survey] = []
        for survey in claimed:
            reason = ""
            if not survey.email:
                reason = Survey.SkipReason.NO_ADDRESS
            elif survey.email in recent:
                reason = Survey.SkipReason.RECENTLY_SURVEYED
            if reason:
                survey.status, survey.skip_reason = Survey.Status.SKIPPED, reason
                survey.sent_at = survey.expires_at = None
                skipped.append(survey)
                sla_on_event(ticket=survey.ticket, event="survey_skipped", at=now)
                continue
            recent.add(survey.email)
            email_queue(
                event_key=f"quality.survey:{survey.pk}",
                template="survey_invitation",
                recipients=[survey.contact if survey.contact_id else survey.email],
                ticket=survey.ticket,
                context={
                    "survey_url": survey_url(survey),
                    "expires_on": timezone.localtime(survey.expires_at).date().isoformat(),
                    "round": survey.round,
                },
            )
            sla_on_event(ticket=survey.ticket, event="survey_sent", at=now)
            result.sent += 1
        Survey.objects.bulk_update(skipped, ["status", "skip_reason", "sent_at", "expires_at"])
        result.skipped = len(skipped)
    return result


def survey_answer(
    *,
    number: str,
    token: str,
    resolution_score: int,
    attitude_score: int,
    speed_score: int,
    comment: str = "",
) -> SurveyAnswer:
    """Record the one answer of a survey round from its signed link; a dissatisfied answer
    opens the follow-up. Raises SurveyLinkError (nothing changes) for an unusable link."""
    scores = {
        "resolution_score": resolution_score,
        "attitude_score": attitude_score,
        "speed_score": speed_score,
    }
    for field, value in scores.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise DomainError(_("Choose a score from 1 to 5."), field=field)
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise DomainError(_("The comment is too long (5000 characters at most)."), field="comment")
    with transaction.atomic():
        found = survey_from_token(number=number, token=token)
        survey = Survey.objects.select_for_update().get(pk=found.pk)
        survey.ticket = found.ticket
        survey_assert_open(survey)  # a concurrent submit of the same link lost the race
        now = timezone.now()
        threshold = conf.get("QUALITY_DISSATISFIED_MAX_SCORE")
        answer = SurveyAnswer.objects.create(
            survey=survey,
            ticket=survey.ticket,
            round=survey.round,
            comment=comment,
            dissatisfied=min(scores.values()) <= threshold,
            created_at=now,
            **scores,
        )
        Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.ANSWERED, answered_at=now)
        if answer.dissatisfied:
            followup_open(answer=answer, at=now)
    return answer
