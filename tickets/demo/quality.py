"""Satisfaction data for the demo: surveys sent through the real sweep, a few answered through
their signed links (one dissatisfied, so its follow-up is open and started), all through the
quality services."""

from django.utils import timezone

from quality.models import FollowUp, Survey, SurveyAnswer
from quality.services import followups, links, surveys

from .people import Cast

# (scores, comment) of the answers, oldest survey first; the first one is dissatisfied, so
# even a small demo has a follow-up to show.
ANSWERS = [
    ((2, 4, 3), "问题第二天又出现了，希望彻底解决。"),
    ((5, 5, 4), "工程师响应很快，问题当天就解决了。"),
    ((4, 5, 5), "Clear explanation and a quick fix, thank you."),
]


def seed_quality(cast: Cast) -> int:
    """Idempotent: nothing happens once any survey has been answered. Returns the answers made."""
    if SurveyAnswer.objects.exists():
        return 0
    surveys.survey_sweep(now=timezone.now())
    sent = list(Survey.objects.filter(status=Survey.Status.SENT).order_by("sent_at", "pk"))
    made = 0
    for survey, ((resolution, attitude, speed), comment) in zip(sent, ANSWERS, strict=False):
        surveys.survey_answer(
            number=survey.ticket.number,
            token=links.survey_token(survey),
            resolution_score=resolution,
            attitude_score=attitude,
            speed_score=speed,
            comment=comment,
        )
        made += 1
    supervisor = cast.users.get("supervisor")
    followup = FollowUp.objects.filter(status=FollowUp.Status.OPEN).first()
    if (
        followup is not None
        and supervisor is not None
        and followups.can_handle(supervisor, followup)
    ):
        followups.followup_start(followup_id=followup.pk, actor=supervisor)
    return made
