"""Robot alerts and webhooks delivered to a local HTTP server, with signatures and retries."""

import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine

from sla.models import ClockKind
from sla.services import sla_sweep
from tests.sla.conftest import MEDIUM, URGENT, nov, register_assigned
from tickets.alerts import alert_raise, tasks, webhook_emit
from tickets.alerts.services import delivery_retry
from tickets.models import (
    ChatRobot,
    DeliveryStatus,
    RobotMessage,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db

T0 = nov(23, 10, 12)


@pytest.fixture
def travel():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def team(engineer, supervisor):
    team = engineer.teams.get()
    team.lead = supervisor
    team.save()
    return team


@pytest.fixture
def ticket(travel, agent, org, team, engineer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return register_assigned(agent, org, team, engineer, level=MEDIUM)


def robot(team, receiver, platform, **extra):
    return ChatRobot.objects.create(
        team=team,
        name=platform,
        platform=platform,
        webhook_url=f"{receiver.url}/{platform}?key=K1",
        **extra,
    )


def raise_(capture, **kwargs):
    with capture(execute=True):
        alert_raise(**kwargs)


def test_dingtalk_robot_gets_a_signed_markdown_message(
    ticket, team, receiver, django_capture_on_commit_callbacks
):
    robot(team, receiver, "dingtalk", secret="SECret")
    raise_(django_capture_on_commit_callbacks, kind="warning", ticket=ticket, title="快超时了")
    [hit] = receiver.hits
    assert hit.path == "/dingtalk" and hit.query["key"] == "K1"
    ts = hit.query["timestamp"]
    expected = base64.b64encode(
        hmac.new(b"SECret", f"{ts}\nSECret".encode(), hashlib.sha256).digest()
    ).decode()
    assert hit.query["sign"] == expected
    assert "快超时了" in hit.json["markdown"]["text"]
    assert ticket.number in hit.json["markdown"]["text"]  # the link to the ticket
    row = RobotMessage.objects.get()
    assert (row.status, row.attempts, row.status_code) == (DeliveryStatus.SENT, 1, 200)


def test_feishu_robot_signs_in_the_body(ticket, team, receiver, django_capture_on_commit_callbacks):
    robot(team, receiver, "feishu", secret="fs")
    raise_(django_capture_on_commit_callbacks, kind="breach", ticket=ticket, title="已超时")
    body = receiver.hits[0].json
    key = f"{body['timestamp']}\nfs".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["content"]["text"].startswith("已超时")


def test_only_active_subscribed_robots_of_the_team_post(
    ticket, team, receiver, django_capture_on_commit_callbacks
):
    robot(team, receiver, "wecom", kinds=["breach"])
    robot(team, receiver, "feishu", active=False)
    from tests.factories import TeamFactory

    robot(TeamFactory(code="other"), receiver, "dingtalk")
    raise_(django_capture_on_commit_callbacks, kind="warning", ticket=ticket, title="w")
    assert receiver.hits == []
    raise_(django_capture_on_commit_callbacks, kind="breach", ticket=ticket, title="b")
    assert [h.path for h in receiver.hits] == ["/wecom"]
    assert "msgtype" in receiver.hits[0].json and "sign" not in receiver.hits[0].query


def test_an_explicit_team_overrides_the_tickets(
    ticket, receiver, django_capture_on_commit_callbacks
):
    from tests.factories import TeamFactory

    managers = TeamFactory(code="managers")
    robot(managers, receiver, "wecom")
    raise_(
        django_capture_on_commit_callbacks,
        kind="dissatisfied",
        ticket=ticket,
        title="不满意",
        team=managers,
    )
    assert len(receiver.hits) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(ticket, team, receiver):
    from django.db import transaction

    robot(team, receiver, "wecom")
    with pytest.raises(RuntimeError), transaction.atomic():
        alert_raise(kind="breach", ticket=ticket, title="x")
        raise RuntimeError
    assert RobotMessage.objects.count() == 0 and receiver.hits == []


def test_a_refused_robot_message_is_retried_with_backoff(
    travel, ticket, team, receiver, settings, django_capture_on_commit_callbacks
):
    settings.ALERT_MAX_ATTEMPTS = 2
    robot(team, receiver, "dingtalk", secret="s")
    receiver.replies = [(200, b'{"errcode":310000,"errmsg":"sign not match"}'), (502, b"")]
    raise_(django_capture_on_commit_callbacks, kind="breach", ticket=ticket, title="x")
    row = RobotMessage.objects.get()
    assert (row.status, row.attempts) == (DeliveryStatus.RETRY, 1)
    assert "310000" in row.last_error
    assert row.next_attempt_at == T0 + dt.timedelta(minutes=1)
    assert tasks.send_due_deliveries() == 0  # not due yet
    travel.shift(dt.timedelta(minutes=1))
    tasks.send_due_deliveries()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.status_code) == (DeliveryStatus.FAILED, 2, 502)
    delivery_retry(RobotMessage, pk=row.pk)
    assert tasks.send_due_deliveries() == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert len(receiver.hits) == 3


def test_running_a_send_task_twice_delivers_once(
    ticket, team, receiver, django_capture_on_commit_callbacks
):
    robot(team, receiver, "wecom")
    raise_(django_capture_on_commit_callbacks, kind="breach", ticket=ticket, title="x")
    row = RobotMessage.objects.get()
    assert tasks.send_robot_message(row.pk) is False
    assert tasks.send_due_deliveries() == 0
    assert len(receiver.hits) == 1


def test_new_urgent_ticket_alerts_the_team(
    travel, agent, org, team, engineer, receiver, django_capture_on_commit_callbacks
):
    robot(team, receiver, "wecom")
    from tests.factories import RoutingRuleFactory, category

    RoutingRuleFactory(team=team, category=category("software-crash"))
    with django_capture_on_commit_callbacks(execute=True):
        register_assigned(agent, org, team, engineer, level=MEDIUM)
    assert receiver.hits == []  # medium priority: no alert
    with django_capture_on_commit_callbacks(execute=True):
        from tickets import services
        from tickets.models import Channel

        urgent = services.ticket_create(
            actor=agent,
            data=services.TicketData(
                title="核心系统宕机",
                description="全部业务中断",
                channel=Channel.PHONE,
                organization=org,
                received_at=T0,
                category=category("software-crash"),
                **URGENT,
            ),
        )
    assert urgent.team == team
    [hit] = receiver.hits
    assert urgent.number in hit.json["markdown"]["content"]
    assert RobotMessage.objects.get().kind == "urgent_ticket"


def test_sla_sweep_alerts_warning_breach_and_escalation_once(
    travel, ticket, team, receiver, django_capture_on_commit_callbacks
):
    robot(team, receiver, "wecom")
    first = ticket.clocks.get(kind=ClockKind.FIRST_RESPONSE)
    for when in (first.warn_at, first.due_at, first.due_at + dt.timedelta(hours=12)):
        travel.move_to(when)
        with django_capture_on_commit_callbacks(execute=True):
            sla_sweep()
            sla_sweep()  # a second sweep sends nothing again
    label = first.definition.label
    kinds = [m.kind for m in RobotMessage.objects.order_by("id") if label in m.payload["title"]]
    assert kinds[:2] == ["warning", "breach"]
    assert set(kinds[2:]) == {"escalation"}
    levels = [m.payload["title"] for m in RobotMessage.objects.filter(kind="escalation")]
    assert len(levels) == len(set(levels))  # each level once, though every sweep ran twice
    assert len(receiver.hits) == RobotMessage.objects.count()
    assert all(h.path == "/wecom" for h in receiver.hits)


@pytest.fixture
def endpoint(receiver):
    return WebhookEndpoint.objects.create(
        name="crm", url=f"{receiver.url}/hook", secret="whsec", events=["ticket.created", "alert"]
    )


def _verify(hit, secret: str) -> None:
    ts = hit.headers["x-helpdesk-timestamp"]
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + hit.body, hashlib.sha256).hexdigest()
    assert hit.headers["x-helpdesk-signature"] == f"sha256={mac}"


def test_ticket_created_webhook_is_signed(
    travel, endpoint, agent, org, team, engineer, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = register_assigned(agent, org, team, engineer, level=MEDIUM)
    created = [h for h in receiver.hits if h.headers["x-helpdesk-event"] == "ticket.created"]
    [hit] = created
    _verify(hit, "whsec")
    body = hit.json
    assert body["event"] == "ticket.created"
    assert body["ticket"]["number"] == ticket.number  # the final number, not a placeholder
    delivery = WebhookDelivery.objects.get(event="ticket.created")
    assert hit.headers["x-helpdesk-delivery"] == str(delivery.delivery_id) == body["id"]
    # status changes are not subscribed
    assert {h.headers["x-helpdesk-event"] for h in receiver.hits} == {"ticket.created"}


def test_webhook_retries_keep_the_delivery_id_and_emit_once(
    travel, endpoint, ticket, receiver, django_capture_on_commit_callbacks
):
    receiver.hits.clear()
    receiver.replies = [(500, b"busy")]
    with django_capture_on_commit_callbacks(execute=True):
        webhook_emit(event="alert", event_key="k1", ticket=ticket, data={"x": 1})
        webhook_emit(event="alert", event_key="k1", ticket=ticket, data={"x": 1})
    delivery = WebhookDelivery.objects.get(event_key="k1")
    assert (delivery.status, delivery.status_code) == (DeliveryStatus.RETRY, 500)
    travel.shift(dt.timedelta(minutes=1))
    assert tasks.send_due_deliveries() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    ids = {h.headers["x-helpdesk-delivery"] for h in receiver.hits}
    assert ids == {str(delivery.delivery_id)}
    assert len(receiver.hits) == 2
    for hit in receiver.hits:
        _verify(hit, "whsec")
        assert json.loads(hit.body)["data"] == {"x": 1}


def test_unreachable_webhook_records_the_error(travel, ticket, django_capture_on_commit_callbacks):
    from tests.mail.smtp import free_port

    WebhookEndpoint.objects.create(
        name="down", url=f"http://127.0.0.1:{free_port()}/", secret="s", events=["alert"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        webhook_emit(event="alert", event_key="k2", ticket=ticket)
    delivery = WebhookDelivery.objects.get(event_key="k2")
    assert delivery.status == DeliveryStatus.RETRY
    assert "ConnectError" in delivery.last_error
