"""The configurable numbers of PROCESS §10 and §13, read from Django settings (env in prod)."""

import datetime as dt

from django.conf import settings

DEFAULTS = {
    # Surveys go out 24 hours after resolution: claimed from ten minutes before the mark, so the
    # every-minute sweep meets the 24-hour survey clock.
    "QUALITY_SURVEY_DELAY_MINUTES": 24 * 60,
    "QUALITY_SURVEY_EARLY_MINUTES": 10,
    # Tickets resolved longer ago than this are never surveyed (first deployment, downtime).
    "QUALITY_SURVEY_MAX_AGE_DAYS": 7,
    "QUALITY_SURVEY_LINK_DAYS": 14,
    "QUALITY_SURVEY_CONTACT_PERIOD_DAYS": 30,
    "QUALITY_DISSATISFIED_MAX_SCORE": 2,
    "QUALITY_FOLLOWUP_HOURS": 12,
    "QUALITY_REVISIT_HOURS": 48,
    # Minutes before a progress update is due that its assignee is reminded (when the SLA
    # policy's own warning does not fit in the cadence).
    "QUALITY_UPDATE_REMIND_MINUTES": 10,
    # Canonical ranks 1–2 (urgent/high, fatal/severe, S/A) have their own fast update cadence.
    "QUALITY_DIGEST_MIN_RANK": 3,
    "QUALITY_DIGEST_DEADLINE_HOUR": 17,
}


def get(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


def survey_delay() -> dt.timedelta:
    return dt.timedelta(minutes=get("QUALITY_SURVEY_DELAY_MINUTES"))


def survey_early() -> dt.timedelta:
    return dt.timedelta(minutes=get("QUALITY_SURVEY_EARLY_MINUTES"))


def survey_link_age() -> dt.timedelta:
    return dt.timedelta(days=get("QUALITY_SURVEY_LINK_DAYS"))


def contact_period() -> dt.timedelta:
    return dt.timedelta(days=get("QUALITY_SURVEY_CONTACT_PERIOD_DAYS"))
