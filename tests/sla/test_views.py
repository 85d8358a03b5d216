"""The SLA parts of the engineer UI: countdown badges, the deadline filter and sort, the ticket's
service-level card, deadline extension, the breaches-and-warnings page, supervisor tasks and
in-app notifications. Wiring, permissions, messages and query counts; the clock rules
themselves are tested with the services."""

import datetime as dt
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from sla.models import ClockEvent, ClockKind, ClockState, SupervisorTask, TicketClock
from sla.selectors import clock_explanation, sla_attention_queue
from sla.services import sla_sweep
from tests.factories import TicketFactory, UserFactory
from tests.sla.conftest import URGENT, clock, nov, register, register_assigned, sh
from tickets import services
from tickets.models import Channel, Notification, Status, Ticket

pytestmark = pytest.mark.django_db

QUEUE = reverse("tickets:queue")
ATTENTION = reverse("sla:attention")
TASKS = reverse("sla:tasks")
NOTIFICATIONS = reverse("sla:notifications")


def msgs(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post(client, url: str, data: dict | None = None):
    """POST and follow the redirect, so the page shows (and uses up) this request's messages."""
    response = client.post(url, data or {}, follow=True)
    assert response.redirect_chain, response.status_code
    return response


def count_queries(client, url: str) -> int:
    client.get(url)  # warm up per-process caches (content types, permissions, calendars)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def queue_rows(html: str) -> dict[str, str]:
    """The queue's table rows by ticket number."""
    rows = {}
    for row in html.split("<tr")[1:]:
        found = re.search(r'class="ticket-number"[^>]*>([^<]+)</a>', row)
        if found:
            rows[found.group(1)] = row
    return rows


def sla_badge_in(row: str) -> tuple[str, str] | None:
    found = re.search(r'class="badge sla-badge sla-(\w+) [^"]*"[^>]*>([^<]+)</span>', row)
    return (found.group(1), found.group(2)) if found else None


def numbers(response) -> list[str]:
    return [t.number for t in response.context["page"].items]


# --- queue: countdown badges, deadline filter and sort --------------------------------------------


def test_queue_shows_a_coloured_countdown_per_ticket(client, travel, agent, org):
    now = timezone.now()
    normal = TicketFactory(
        organization=org,
        sla_due_at=now + dt.timedelta(hours=1, minutes=20),
        sla_warn_at=now + dt.timedelta(minutes=20),
    )
    warning = TicketFactory(
        organization=org,
        sla_due_at=now + dt.timedelta(minutes=45),
        sla_warn_at=now - dt.timedelta(minutes=15),
    )
    breached = TicketFactory(
        organization=org,
        sla_due_at=now - dt.timedelta(minutes=35),
        sla_warn_at=now - dt.timedelta(minutes=95),
    )
    without = TicketFactory(organization=org)
    client.force_login(agent)

    rows = queue_rows(client.get(QUEUE, {"queue": "all"}).content.decode())
    assert sla_badge_in(rows[normal.number]) == ("normal", "due in 1 h 20 min")
    assert "text-bg-success" in rows[normal.number]
    assert sla_badge_in(rows[warning.number]) == ("warning", "due in 45 min")
    assert "text-bg-warning" in rows[warning.number]
    assert sla_badge_in(rows[breached.number]) == ("breached", "overdue 35 min")
    assert "text-bg-danger" in rows[breached.number]
    assert sla_badge_in(rows[without.number]) is None

    travel.move_to(now + dt.timedelta(minutes=30))
    rows = queue_rows(client.get(QUEUE, {"queue": "all"}).content.decode())
    assert sla_badge_in(rows[normal.number]) == ("warning", "due in 50 min")
    assert sla_badge_in(rows[warning.number]) == ("warning", "due in 15 min")
    assert sla_badge_in(rows[breached.number]) == ("breached", "overdue 1 h 5 min")


def test_queue_badge_follows_the_services(client, travel, agent, org, team, engineer):
    """The badge reads the deadline the SLA services keep on the ticket."""
    ticket = register_assigned(agent, org, team, engineer)
    client.force_login(agent)
    row = queue_rows(client.get(QUEUE, {"queue": "all"}).content.decode())[ticket.number]
    assert sla_badge_in(row) == ("normal", "due in 30 min")  # the hand-back window
    travel.move_to(nov(23, 11, 0))
    sla_sweep()
    row = queue_rows(client.get(QUEUE, {"queue": "all"}).content.decode())[ticket.number]
    assert sla_badge_in(row) == ("breached", "overdue 18 min")


@pytest.fixture
def deadlines(travel, org):
    """Tickets around Monday 2026-11-23 10:12 (Asia/Shanghai) by their nearest deadline."""
    now = timezone.now()
    return {
        "breached": TicketFactory(
            organization=org, sla_due_at=now - dt.timedelta(hours=1), sla_warn_at=None
        ),
        "warning": TicketFactory(
            organization=org,
            sla_due_at=now + dt.timedelta(minutes=30),
            sla_warn_at=now - dt.timedelta(minutes=30),
        ),
        "today": TicketFactory(
            organization=org, sla_due_at=sh(2026, 11, 23, 23, 50), sla_warn_at=now
        ),
        "tomorrow": TicketFactory(
            organization=org,
            sla_due_at=sh(2026, 11, 24, 0, 10),
            sla_warn_at=sh(2026, 11, 23, 23, 10),
        ),
        "none": TicketFactory(organization=org),
    }


def test_queue_filters_by_deadline(client, agent, deadlines):
    client.force_login(agent)
    n = {key: t.number for key, t in deadlines.items()}

    def found(value: str) -> set[str]:
        response = client.get(QUEUE, {"queue": "all", "deadline": value})
        assert response.status_code == 200
        return set(numbers(response))

    assert found("breached") == {n["breached"]}
    # `today` warns right now (`sla_warn_at == now`): a warning, like its badge.
    assert found("warning") == {n["warning"], n["today"]}
    assert found("due_today") == {n["warning"], n["today"]}  # not 00:10 tomorrow, not overdue
    assert found("") == set(n.values())
    bad = client.get(QUEUE, {"queue": "all", "deadline": "soon"})
    assert bad.status_code == 200
    assert "deadline" in bad.context["filter"].form.errors


def test_queue_sorts_by_nearest_deadline_with_tickets_without_one_last(client, agent, deadlines):
    client.force_login(agent)
    n = {key: t.number for key, t in deadlines.items()}
    nearest = numbers(client.get(QUEUE, {"queue": "all", "ordering": "deadline"}))
    assert nearest == [n["breached"], n["warning"], n["today"], n["tomorrow"], n["none"]]
    furthest = numbers(client.get(QUEUE, {"queue": "all", "ordering": "-deadline"}))
    assert furthest == [n["tomorrow"], n["today"], n["warning"], n["breached"], n["none"]]
    html = client.get(QUEUE, {"queue": "all"}).content.decode()
    assert "ordering=deadline" in html  # the column header sorts


# --- the ticket page ------------------------------------------------------------------------------


@pytest.fixture
def explained(travel, agent, org, customer) -> Ticket:
    """PROCESS §11's example: urgent at 10:12, 35 minutes waiting for the customer, so the
    resolution is due at 16:17 with lunch 12:00–13:30 skipped."""
    ticket = register(
        agent,
        org,
        level=URGENT,
        channel=Channel.EMAIL,
        received_at=nov(23, 10, 12),
        contact=customer,
    )
    travel.move_to(nov(23, 11, 0))
    services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=Status.WAITING_CUSTOMER)
    travel.move_to(nov(23, 11, 35))
    services.message_add(ticket_id=ticket.pk, actor=customer, kind="reply", body="日志在附件")
    return ticket


def sla_card(client, ticket: Ticket) -> str:
    """The ticket page's SLA card, which the page loads right after it is shown."""
    page = client.get(ticket.get_absolute_url()).content.decode()
    url = reverse("tickets:sla_panel", args=[ticket.number])
    assert url in page
    return client.get(url).content.decode()


def test_ticket_page_shows_every_clock_with_its_explanation(client, agent, explained):
    client.force_login(agent)
    html = sla_card(client, explained)
    clocks = list(TicketClock.objects.filter(ticket=explained))
    assert len(clocks) >= 5
    with translation.override("en"):
        for c in clocks:
            assert f'id="clock-{c.pk}"' in html
            why = clock_explanation(c)
            assert why.headline in html
            for reason in why.reasons:
                assert reason in html
    resolution = clock(explained, ClockKind.RESOLUTION)
    assert "due at 2026-11-23 16:17" in html
    assert "break 12:00–13:30 skipped" in html
    assert "35 minutes paused waiting for the customer" in html
    section = html[html.index(f'id="clock-{resolution.pk}"') :]
    section = section[: section.index("</li>\n        \n")]
    assert "Event log (3 entries)" in section  # started, paused, resumed
    assert "resumed" in section
    assert reverse("sla:extend", args=[resolution.pk]) in section
    met = TicketClock.objects.filter(ticket=explained, state=ClockState.MET).first()
    assert reverse("sla:extend", args=[met.pk]) not in html


def test_ticket_page_without_clocks_and_extend_only_for_workers(client, org, agent, explained):
    client.force_login(agent)
    bare = TicketFactory(organization=org)
    html = sla_card(client, bare)
    assert "No service-level clocks run on this ticket." in html

    auditor = UserFactory(username="qa", role="qa_auditor")
    client.force_login(auditor)
    html = sla_card(client, explained)
    assert "break 12:00–13:30 skipped" in html
    assert "/extend/" not in html  # may read the clocks, may not move them


def test_ticket_page_queries_do_not_grow_with_the_clocks(client, travel, agent, org):
    def taken(**extra) -> Ticket:
        ticket = register(agent, org, level=URGENT, channel=Channel.EMAIL, **extra)
        services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=agent)
        services.ticket_transition(ticket_id=ticket.pk, actor=agent, to=Status.IN_PROGRESS)
        return ticket

    many = taken(received_at=nov(23, 10, 12))
    for step in (Status.WAITING_CUSTOMER, Status.IN_PROGRESS) * 2:
        travel.shift(dt.timedelta(minutes=10))
        services.ticket_transition(ticket_id=many.pk, actor=agent, to=step)
    services.message_add(ticket_id=many.pk, actor=agent, kind="reply", body="正在处理")
    travel.move_to(nov(24, 10, 0))
    sla_sweep()  # breaches, escalations, acknowledgement clocks
    few = taken(received_at=nov(24, 10, 0))

    def clocks_and_events(ticket: Ticket) -> tuple[int, int]:
        return (
            TicketClock.objects.filter(ticket=ticket).count(),
            ClockEvent.objects.filter(ticket=ticket).count(),
        )

    (few_clocks, few_events), (many_clocks, many_events) = map(clocks_and_events, (few, many))
    assert many_clocks > few_clocks and many_events > 2 * few_events
    client.force_login(agent)
    assert count_queries(client, few.get_absolute_url()) == count_queries(
        client, many.get_absolute_url()
    )
    panel = "tickets:sla_panel"
    assert count_queries(client, reverse(panel, args=[few.number])) == count_queries(
        client, reverse(panel, args=[many.number])
    )


# --- extension ------------------------------------------------------------------------------------


@pytest.fixture
def assigned(travel, agent, org, team, engineer) -> Ticket:
    return register_assigned(agent, org, team, engineer)


def test_extend_a_deadline_before_it_passes(client, engineer, assigned):
    resolution = clock(assigned, ClockKind.RESOLUTION)
    assert resolution.due_at == sh(2026, 11, 23, 15, 42)
    client.force_login(engineer)
    response = client.post(
        reverse("sla:extend", args=[resolution.pk]),
        {"new_due": "2026-11-23T17:42", "reason": "等待厂商补丁", "customer_informed": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == assigned.get_absolute_url() + "#sla"
    assert msgs(response) == ["The deadline of “Resolution” is now 2026-11-23 17:42."]
    resolution.refresh_from_db()
    assert resolution.due_at == sh(2026, 11, 23, 17, 42)  # read in the user's time zone
    event = ClockEvent.objects.get(clock=resolution, kind=ClockEvent.Kind.EXTENDED)
    assert (event.actor, event.reason) == (engineer, "等待厂商补丁")
    html = sla_card(client, assigned)
    assert "extended on 2026-11-23 10:12 from 2026-11-23 15:42 to 2026-11-23 17:42" in html


def test_extension_refusals_are_messages(client, travel, engineer, outsider_engineer, assigned):
    resolution = clock(assigned, ClockKind.RESOLUTION)
    url = reverse("sla:extend", args=[resolution.pk])
    client.force_login(engineer)

    untold = post(client, url, {"new_due": "2026-11-23T17:42", "reason": "等待厂商补丁"})
    assert untold.redirect_chain == [(assigned.get_absolute_url() + "#sla", 302)]
    assert msgs(untold) == ["Tell the customer the reason and the new expected time first."]
    assert "Tell the customer the reason and the new expected time first." in (
        untold.content.decode()
    )
    no_reason = post(client, url, {"new_due": "2026-11-23T17:42", "customer_informed": "on"})
    assert msgs(no_reason) == ["Give the reason for the extension."]
    earlier = post(
        client, url, {"new_due": "2026-11-23T15:00", "reason": "x", "customer_informed": "on"}
    )
    assert msgs(earlier) == ["The new deadline must be later than the current one."]
    garbage = post(client, url, {"new_due": "tomorrow", "reason": "x", "customer_informed": "on"})
    assert msgs(garbage) == ["New deadline: Enter a valid date/time."]

    travel.move_to(nov(23, 15, 43))
    late = post(
        client, url, {"new_due": "2026-11-23T18:00", "reason": "x", "customer_informed": "on"}
    )
    assert msgs(late) == ["The deadline has passed; it can no longer be extended."]
    resolution.refresh_from_db()
    assert resolution.due_at == sh(2026, 11, 23, 15, 42)
    assert not ClockEvent.objects.filter(kind=ClockEvent.Kind.EXTENDED).exists()

    client.force_login(outsider_engineer)
    assert client.post(url, {"new_due": "2026-11-23T18:00"}).status_code == 404
    client.force_login(engineer)
    assert client.get(url).status_code == 405


# --- breaches and warnings ----------------------------------------------------------------------


@pytest.fixture
def breached(travel, agent, org, team, engineer) -> Ticket:
    """Dispatched Monday 10:12 and left alone; Tuesday's sweep records breaches, escalations."""
    ticket = register_assigned(agent, org, team, engineer)
    travel.move_to(nov(24, 10, 0))
    sla_sweep()
    return ticket


def test_attention_page_is_for_the_desk_and_supervisors(
    client, breached, engineer, supervisor, agent, customer
):
    client.force_login(engineer)  # works on tickets, may neither dispatch nor see all
    assert client.get(ATTENTION).status_code == 403
    assert ATTENTION not in client.get(QUEUE).content.decode()
    client.force_login(customer)
    assert client.get(ATTENTION)["Location"] == reverse("portal:list")
    for user in (supervisor, agent, UserFactory(username="qa", role="qa_auditor")):
        client.force_login(user)
        assert client.get(ATTENTION).status_code == 200
        assert f'href="{ATTENTION}"' in client.get(QUEUE).content.decode()


def test_attention_page_lists_breaches_and_the_calendar_warning(
    client, supervisor, engineer, breached
):
    client.force_login(supervisor)
    response = client.get(ATTENTION)
    html = response.content.decode()
    expected = list(sla_attention_queue(user=supervisor))
    assert [c.pk for c in response.context["page"].items] == [c.pk for c in expected]
    assert {c.kind for c in expected} >= {ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION}
    assert html.count(f'href="{breached.get_absolute_url()}#clock-') == len(expected)
    assert "First response" in html and "Resolution" in html
    assert "overdue 18 h 18 min" in html  # resolution due Monday 15:42, now Tuesday 10:00
    assert str(engineer) in html and str(breached.team) in html
    assert any(c.escalation_level for c in expected)
    assert "Calendar “China mainland” has no published holiday data for 2027, 2028" in html


def test_attention_page_queries_do_not_grow_with_the_clocks(
    client, travel, agent, org, team, engineer, supervisor
):
    for _ in range(2):
        register_assigned(agent, org, team, engineer)
    travel.move_to(nov(24, 10, 0))
    sla_sweep()
    client.force_login(supervisor)
    few = len(sla_attention_queue(user=supervisor))
    few_queries = count_queries(client, ATTENTION)
    for _ in range(5):
        register_assigned(agent, org, team, engineer)
    travel.move_to(nov(25, 10, 0))
    sla_sweep()
    many = len(sla_attention_queue(user=supervisor))
    assert few <= 6 and many >= 20
    assert count_queries(client, ATTENTION) == few_queries


# --- supervisor tasks -----------------------------------------------------------------------------


def test_supervisor_acknowledges_a_task(client, supervisor, breached):
    open_tasks = SupervisorTask.objects.filter(assignee=supervisor, acknowledged_at=None)
    task = open_tasks.order_by("created_at", "id").first()
    assert task is not None
    client.force_login(supervisor)
    html = client.get(TASKS).content.decode()
    for t in open_tasks:
        assert reverse("sla:task_acknowledge", args=[t.pk]) in html
    assert breached.number in html

    url = reverse("sla:task_acknowledge", args=[task.pk])
    response = client.post(url, {"note": " 已电话联系工程师 "})
    assert response.status_code == 302 and response["Location"] == TASKS
    assert msgs(response) == [f"Acknowledged: {breached.number}."]
    task.refresh_from_db()
    assert task.acknowledged_at is not None and task.note == "已电话联系工程师"
    assert url not in client.get(TASKS).content.decode()

    again = post(client, url, {"note": ""})
    assert msgs(again) == ["This task was already acknowledged."]
    assert "This task was already acknowledged." in again.content.decode()


def test_task_acknowledge_refusals(client, engineer, outsider_engineer, supervisor, breached):
    task = SupervisorTask.objects.filter(assignee=supervisor).first()
    url = reverse("sla:task_acknowledge", args=[task.pk])
    client.force_login(engineer)  # sees the ticket, was not sent the task, cannot dispatch
    assert msgs(post(client, url)) == [
        "Only the supervisor it was sent to can acknowledge this task."
    ]
    assert "Nothing to acknowledge." in client.get(TASKS).content.decode()
    client.force_login(outsider_engineer)
    assert client.post(url).status_code == 404
    task.refresh_from_db()
    assert task.acknowledged_at is None


# --- notifications --------------------------------------------------------------------------------


def notify(user, title: str, minutes_ago: int, ticket=None, read: bool = False) -> Notification:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return Notification.objects.create(
        recipient=user,
        ticket=ticket,
        kind="sla_warning",
        title=title,
        created_at=at,
        read_at=at if read else None,
    )


def unread_badge(html: str) -> str | None:
    found = re.search(r"data-unread-count>([^<]+)</span>", html)
    return found.group(1) if found else None


def test_notifications_list_and_mark_read(client, travel, supervisor, engineer, org):
    ticket = TicketFactory(organization=org)
    oldest = notify(supervisor, "oldest", 30, ticket)
    middle = notify(supervisor, "middle", 20)
    newest = notify(supervisor, "newest", 10, ticket)
    notify(supervisor, "seen", 5, read=True)
    theirs = notify(engineer, "theirs", 1)
    client.force_login(supervisor)

    response = client.get(NOTIFICATIONS)
    assert [n.title for n in response.context["page"].items] == [
        "seen",
        "newest",
        "middle",
        "oldest",
    ]
    assert "theirs" not in response.content.decode()
    assert unread_badge(response.content.decode()) == "3"

    read_one = client.post(reverse("sla:notification_read", args=[middle.pk]))
    assert read_one.status_code == 302
    middle.refresh_from_db()
    assert middle.read_at == timezone.now()
    assert unread_badge(client.get(QUEUE).content.decode()) == "2"
    assert client.post(reverse("sla:notification_read", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    read_all = client.post(reverse("sla:notifications_read_all"))
    assert msgs(read_all) == ["2 notifications marked as read."]
    assert not Notification.objects.filter(recipient=supervisor, read_at=None).exists()
    for n in (oldest, newest):
        n.refresh_from_db()
        assert n.read_at is not None
    assert unread_badge(client.get(QUEUE).content.decode()) is None
    assert client.get(reverse("sla:notifications_read_all")).status_code == 405


def test_navbar_bell_counts_unread_with_one_query(client, supervisor):
    for i in range(4):
        notify(supervisor, f"n{i}", i)
    client.force_login(supervisor)
    client.get(QUEUE)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(QUEUE).content.decode()
    assert unread_badge(html) == "4"
    assert f'href="{NOTIFICATIONS}"' in html
    bell = [q for q in ctx.captured_queries if "tickets_notification" in q["sql"]]
    assert len(bell) == 1

    Notification.objects.bulk_create(
        Notification(recipient=supervisor, kind="sla_warning", title=f"m{i}") for i in range(120)
    )
    assert unread_badge(client.get(QUEUE).content.decode()) == "99+"


def test_sla_pages_need_a_login(client):
    for url in (ATTENTION, TASKS, NOTIFICATIONS):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_every_event_a_clock_definition_names_is_described_in_words():
    """The SLA panel explains why a clock started, stopped or was cancelled: every event the
    clock definitions name (and the workflow events that are not status changes) has words."""
    from sla.models import ClockDefinition
    from sla.templatetags.sla_ui import describe_event

    names = set()
    for definition in ClockDefinition.objects.all():
        names |= set(definition.start_events) | set(definition.stop_events)
        names |= set(definition.cancel_events)
    # Events of steps not built yet (escalation, plans, verification…) are left for them.
    active = {
        n
        for d in ClockDefinition.objects.filter(active=True)
        for n in (*d.start_events, *d.stop_events, *d.cancel_events)
    }
    missing = sorted(n for n in active if describe_event(n) is None)
    assert missing == []
    assert names >= active
