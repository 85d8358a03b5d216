"""Recording alerts and webhook deliveries, and sending them with claims, retries and backoff."""

import datetime as dt
import functools
import logging
import time
import uuid
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from ..models import (
    ChatRobot,
    DeliveryStatus,
    RobotMessage,
    Team,
    Ticket,
    WebhookDelivery,
    WebhookEndpoint,
)
from ..models.integrations import Delivery
from . import platforms

log = logging.getLogger(__name__)

RETRY_DELAYS = (1, 5, 30, 120)
STALE_CLAIM = dt.timedelta(minutes=10)
TIMEOUT = 10.0


def _ticket_url(ticket: Ticket) -> str:
    return settings.SITE_URL + _detail_path().replace(NUMBER_SLOT, ticket.number)


NUMBER_SLOT = "__number__"


@functools.cache
def _detail_path() -> str:
    """The ticket page's path with a slot for the number: reversed once, not per alert."""
    return reverse("tickets:detail", kwargs={"number": NUMBER_SLOT})


@dataclass(frozen=True)
class Alert:
    kind: str
    ticket: Ticket
    title: str
    text: str = ""
    team_id: int | None = None


def alert_raise(
    *, kind: str, ticket: "Ticket", title: str, text: str = "", team: "Team | None" = None
) -> None:
    """On commit, post to every active chat robot of the team (default: the ticket's team) that
    subscribes to `kind` (e.g. "urgent_ticket", "warning", "breach", "escalation", "dissatisfied").

    The robot messages are recorded in the caller's transaction (nothing is sent if it rolls
    back); the `alert` webhook event goes to subscribed endpoints as well.
    """
    alerts_record(
        [
            Alert(
                kind=kind,
                ticket=ticket,
                title=title,
                text=text,
                team_id=team.pk if team is not None else ticket.team_id,
            )
        ]
    )


def alerts_record(alerts: list[Alert]) -> None:
    """Record many alerts with a constant number of queries (the SLA sweep raises batches)."""
    if not alerts:
        return
    team_ids = {a.team_id for a in alerts if a.team_id is not None}
    robots: dict[int, list[ChatRobot]] = {}
    for robot in ChatRobot.objects.filter(team_id__in=team_ids, active=True):
        robots.setdefault(robot.team_id, []).append(robot)
    messages = []
    webhooks = []
    for alert in alerts:
        event_key = f"alert:{alert.kind}:{alert.ticket.pk}:{uuid.uuid4().hex}"
        payload = {
            "title": str(alert.title)[:300],
            "text": str(alert.text)[:3000],
            "url": _ticket_url(alert.ticket),
        }
        messages.extend(
            RobotMessage(
                robot=robot,
                ticket=alert.ticket,
                kind=alert.kind,
                event_key=event_key,
                payload=payload,
            )
            for robot in robots.get(alert.team_id or 0, [])
            if alert.kind in (robot.kinds or [])
        )
        webhooks.append(
            (
                event_key,
                alert.ticket,
                {"kind": alert.kind, "title": payload["title"], "text": payload["text"]},
            )
        )
    RobotMessage.objects.bulk_create(messages)
    _webhooks_record(event="alert", items=webhooks)
    ids = [row.pk for row in messages]
    if ids:
        transaction.on_commit(lambda: _enqueue("tickets.alerts.tasks.send_robot_message", ids))


def ticket_payload(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "title": ticket.title,
        "status": ticket.status,
        "priority": ticket.priority.code if ticket.priority_id else None,
        "organization": ticket.organization_id,
        "team": ticket.team_id,
        "assignee": ticket.assignee_id,
        "url": _ticket_url(ticket),
    }


def webhook_emit(*, event: str, event_key: str, ticket: Ticket, data: dict | None = None) -> int:
    """Record one delivery per active endpoint subscribed to `event`, sent after commit.

    (endpoint, event_key) is unique, so emitting the same event twice delivers once. The ticket
    part of the payload is read when sending, so it carries the final number and state.
    """
    return _webhooks_record(event=event, items=[(event_key, ticket, data or {})])


def _webhooks_record(*, event: str, items: list[tuple[str, Ticket, dict]]) -> int:
    endpoints = [
        e for e in WebhookEndpoint.objects.filter(active=True) if event in (e.events or [])
    ]
    if not endpoints or not items:
        return 0
    rows = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            event_key=event_key[:200],
            payload={"ticket_id": ticket.pk, "data": data},
        )
        for event_key, ticket, data in items
        for endpoint in endpoints
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    ids = list(
        WebhookDelivery.objects.filter(
            event_key__in=[key[:200] for key, _t, _d in items],
            endpoint__in=endpoints,
            status=DeliveryStatus.PENDING,
            attempts=0,
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _enqueue("tickets.alerts.tasks.send_webhook", ids))
    return len(ids)


def _enqueue(func: str, ids: list[int]) -> None:
    from django_q.tasks import async_task

    for pk in ids:
        async_task(func, pk)


def _due_q(now: dt.datetime) -> Q:
    due = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.RETRY], next_attempt_at__lte=now)
    stale = Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
    return due | stale


def _claim(model: type[Delivery], pk: int, now: dt.datetime) -> bool:
    return bool(
        model.objects.filter(Q(pk=pk) & _due_q(now)).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    )


def _finish(
    model: type[Delivery],
    row: Delivery,
    *,
    ok: bool,
    status_code: int | None,
    error: str,
    now: dt.datetime,
) -> None:
    if ok:
        model.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.SENT,
            status_code=status_code,
            last_error="",
            delivered_at=timezone.now(),
            claimed_at=None,
        )
        return
    if row.attempts >= settings.ALERT_MAX_ATTEMPTS:
        status, next_at = DeliveryStatus.FAILED, now
    else:
        delay = RETRY_DELAYS[min(row.attempts, len(RETRY_DELAYS)) - 1]
        status, next_at = DeliveryStatus.RETRY, now + dt.timedelta(minutes=delay)
    model.objects.filter(pk=row.pk).update(
        status=status,
        status_code=status_code,
        last_error=error[:2000],
        next_attempt_at=next_at,
        claimed_at=None,
    )
    log.warning("%s %s failed (%s): %s", model.__name__, row.pk, status, error)


def _post(request: platforms.Request) -> httpx.Response:
    return httpx.post(request.url, content=request.body, headers=request.headers, timeout=TIMEOUT)


def robot_message_send(*, message_id: int, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if not _claim(RobotMessage, message_id, now):
        return False
    row = RobotMessage.objects.select_related("robot").get(pk=message_id)
    robot = row.robot
    try:
        request = platforms.robot_request(
            platform=robot.platform,
            webhook_url=robot.webhook_url,
            secret=robot.secret,
            title=row.payload.get("title", ""),
            text=row.payload.get("text", ""),
            url=row.payload.get("url", ""),
            now=time.time(),
        )
        response = _post(request)
    except (httpx.HTTPError, ValueError) as exc:
        _finish(RobotMessage, row, ok=False, status_code=None, error=repr(exc), now=now)
        return False
    ok, error = platforms.robot_accepted(robot.platform, response.status_code, response.content)
    _finish(RobotMessage, row, ok=ok, status_code=response.status_code, error=error, now=now)
    return ok


def webhook_send(*, delivery_id: int, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    if not _claim(WebhookDelivery, delivery_id, now):
        return False
    row = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    ticket = (
        Ticket.objects.select_related("priority").filter(pk=row.payload.get("ticket_id")).first()
    )
    payload = {
        "id": str(row.delivery_id),
        "event": row.event,
        "created_at": row.created_at.isoformat(),
        "ticket": ticket_payload(ticket) if ticket else None,
        "data": row.payload.get("data", {}),
    }
    request = platforms.webhook_request(
        url=row.endpoint.url,
        secret=row.endpoint.secret,
        event=row.event,
        delivery_id=str(row.delivery_id),
        payload=payload,
        now=time.time(),
    )
    try:
        response = _post(request)
    except httpx.HTTPError as exc:
        _finish(WebhookDelivery, row, ok=False, status_code=None, error=repr(exc), now=now)
        return False
    ok = 200 <= response.status_code < 300
    error = "" if ok else f"HTTP {response.status_code}: {response.text[:500]}"
    _finish(WebhookDelivery, row, ok=ok, status_code=response.status_code, error=error, now=now)
    return ok


def deliveries_due(model: type[Delivery], *, now: dt.datetime) -> list[int]:
    return list(
        model.objects.filter(_due_q(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )


def delivery_retry(model: type[Delivery], *, pk: int) -> None:
    """Administrator action: a failed delivery gets another round of attempts."""
    func = (
        "tickets.alerts.tasks.send_robot_message"
        if model is RobotMessage
        else "tickets.alerts.tasks.send_webhook"
    )
    with transaction.atomic():
        if model.objects.filter(pk=pk, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.RETRY, attempts=0, next_attempt_at=timezone.now()
        ):
            transaction.on_commit(lambda: _enqueue(func, [pk]))
