"""The ticket page's satisfaction panel, and labels for the quality emails."""

from typing import Any

from django import template

from tickets.models import Status

from ..selectors import surveys_for_ticket
from ..services.followups import can_handle

register = template.Library()


@register.inclusion_tag("quality/_ticket_surveys.html", takes_context=True)
def quality_panel(context: template.Context, ticket: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    surveys = surveys_for_ticket(user=user, ticket=ticket) if user else []
    rows = []
    for survey in surveys:
        answer = getattr(survey, "answer", None)
        followup = getattr(answer, "followup", None) if answer else None
        rows.append(
            {
                "survey": survey,
                "answer": answer,
                "followup": followup,
                "revisit": getattr(followup, "revisit", None) if followup else None,
                "can_handle": bool(followup and can_handle(user, followup)),
            }
        )
    return {"rows": rows, "ticket": ticket, "shown": bool(user) and bool(rows)}


@register.filter
def status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return value
