"""Every write of the quality app."""

from .digest import digest_send, overdue_send
from .followups import followup_close, followup_start, revisit_record, revisit_remind
from .links import SurveyLinkError, survey_from_token, survey_url
from .preferences import contact_digest_set
from .surveys import survey_answer, survey_sweep
from .updates import update_remind

__all__ = [
    "SurveyLinkError",
    "contact_digest_set",
    "digest_send",
    "followup_close",
    "followup_start",
    "overdue_send",
    "revisit_record",
    "revisit_remind",
    "survey_answer",
    "survey_from_token",
    "survey_sweep",
    "survey_url",
    "update_remind",
]
