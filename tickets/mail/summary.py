"""The service summary report (服务总结报告, PROCESS §13) sent with the resolution.

Built from what the ticket records: the problem, the public replies, how much diagnosis the
work log shows (counts only: the work log itself is internal), the resolution and the times.
The result is JSON-serialisable, so it is stored with the queued email as sent.
"""

import datetime as dt

from django.db.models import Count

from ..models import Message, MessageKind, Ticket

MAX_REPLIES = 10


def service_summary(ticket: Ticket, *, resolution: str, at: dt.datetime) -> dict:
    replies = list(
        Message.objects.filter(
            ticket=ticket, kind=MessageKind.REPLY, author__organization__isnull=True
        )
        .select_related("author")
        .order_by("-created_at", "-id")[:MAX_REPLIES]
    )
    replies.reverse()
    diagnosis = dict(
        Message.objects.filter(ticket=ticket, kind=MessageKind.WORKLOG)
        .values_list("worklog_kind")
        .annotate(n=Count("id"))
        .values_list("worklog_kind", "n")
    )
    start = ticket.received_at or ticket.created_at
    return {
        "problem": ticket.description,
        "received_at": start.isoformat(),
        "first_response_at": ticket.first_response_at.isoformat()
        if ticket.first_response_at
        else "",
        "resolved_at": at.isoformat(),
        "duration_minutes": max(int((at - start).total_seconds() // 60), 0),
        "replies": [
            {"at": m.created_at.isoformat(), "author": str(m.author or ""), "body": m.body}
            for m in replies
        ],
        "diagnosis": {
            "ask": diagnosis.get("ask", 0),
            "look": diagnosis.get("look", 0),
            "test": diagnosis.get("test", 0),
        },
        "resolution": resolution or (replies[-1].body if replies else ""),
        "round": ticket.reopen_count + 1,
    }
