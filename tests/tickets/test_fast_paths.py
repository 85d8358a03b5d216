"""The hand-built fast paths stay equal to what the generic Django/DRF rendering produces: the API
list rows, the Python-rendered selects, and the queue's panels loaded on first use."""

import datetime as dt

import pytest
from django import forms
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    category,
    level,
)
from tickets.api.serializers import TicketListOutputSerializer
from tickets.forms.widgets import FastSelect, fast_selects
from tickets.models import Status
from tickets.roles import Role
from tickets.selectors import LIST_RELATED

pytestmark = pytest.mark.django_db

QUEUE = reverse("tickets:queue")


def generic_rows(serializer: TicketListOutputSerializer) -> list[dict]:
    child = serializer.child
    return [
        super(TicketListOutputSerializer, child).to_representation(t) for t in serializer.instance
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_api_list_rows_equal_the_generic_rendering(org, engineer, language, settings):
    team = TeamFactory()
    MembershipFactory(team=team, user=engineer)
    when = timezone.now() - dt.timedelta(days=3)
    TicketFactory(organization=org, category=category("network-down"), priority=level("urgent"))
    TicketFactory(
        organization=org,
        team=team,
        assignee=engineer,
        status=Status.RESOLVED,
        category=category("data-loss"),
        resolved_at=when,
        first_response_at=when - dt.timedelta(hours=1),
        sla_due_at=when,
    )
    TicketFactory(organization=OrganizationFactory(), category=None, priority=None)
    tickets = list(TicketFactory._meta.model.objects.select_related(*LIST_RELATED).order_by("pk"))
    request = Request(APIRequestFactory().get("/api/v1/tickets/"))
    with translation.override(language), timezone.override("Asia/Shanghai"):
        serializer = TicketListOutputSerializer(tickets, many=True, context={"request": request})
        fast = serializer.data
        assert [dict(row) for row in fast] == generic_rows(serializer)
    assert fast[0]["url"].startswith("http://testserver/api/v1/tickets/")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (forms.ChoiceField(choices=[("", "—"), ("a", "A & B"), ("b", "<b>")]), "a"),
        (forms.ChoiceField(choices=[("g", [("x", "X"), ("y", "Y")]), ("z", "Z")]), "y"),
        (forms.ChoiceField(choices=[("", "—"), ("1", "one")], required=False), None),
    ],
)
def test_fast_select_renders_what_select_renders(field, value, assert_html_equal):
    class F(forms.Form):
        choice = field

    plain = str(F(initial={"choice": value})["choice"])
    form = F(initial={"choice": value})
    fast_selects(form)
    assert isinstance(form.fields["choice"].widget, FastSelect)
    assert_html_equal(str(form["choice"]), plain)


@pytest.fixture
def assert_html_equal():
    from django.test import SimpleTestCase

    return SimpleTestCase().assertHTMLEqual


def test_queue_loads_the_rarely_used_filters_and_the_people_on_first_use(client, agent, org):
    UserFactory(username="zed", role=Role.ENGINEER, display_name="Zed Zhang")
    OrganizationFactory(name="Rare Org 稀有")
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "all"}).content.decode()
    # Neither the organization options nor the people are on the page…
    assert "Rare Org 稀有" not in html
    assert "Zed Zhang" not in html
    assert reverse("tickets:queue_filters") in html
    assert reverse("tickets:assignee_options") in html
    # …they come from the panel and the options endpoints.
    panel = client.get(reverse("tickets:queue_filters"), {"queue": "all"}).content.decode()
    assert "Rare Org 稀有" in panel and 'id="more-filters-body"' in panel
    options = client.get(reverse("tickets:assignee_options")).content.decode()
    assert "Zed Zhang" in options and "<option" in options


def test_a_filter_in_use_renders_the_panel_inline_with_its_choice(client, agent, org):
    client.force_login(agent)
    html = client.get(QUEUE, {"queue": "all", "organization": org.pk}).content.decode()
    assert 'id="more-filters-body"' in html
    assert f'<option value="{org.pk}" selected>' in html


def test_the_option_endpoints_are_for_engineers_only(client, customer):
    client.force_login(customer)
    for name in ("tickets:queue_filters", "tickets:assignee_options"):
        assert client.get(reverse(name)).status_code in (302, 403, 404)


def test_queue_filter_panel_shows_errors_of_a_bad_value(client, agent):
    client.force_login(agent)
    panel = client.get(reverse("tickets:queue_filters"), {"queue": "all", "team": "x"})
    assert panel.status_code == 200
    assert "text-danger" in panel.content.decode()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_api_detail_equals_the_generic_rendering(org, engineer, customer, agent, language):
    from django.db.models import prefetch_related_objects

    from tickets import services
    from tickets.api.serializers import TicketDetailOutputSerializer
    from tickets.api.views import DETAIL_PREFETCH
    from tickets.models import Channel, Ticket, Urgency

    created = services.ticket_create(
        actor=agent,
        data=services.TicketData(
            title="VPN 无法连接",
            description="error 809",
            channel=Channel.PHONE,
            organization=org,
            contact=customer,
            urgency=Urgency.HIGH,
            received_at=timezone.now() - dt.timedelta(minutes=7),
            extra_categories=[category("data-loss")],
        ),
    )
    services.ticket_follow(ticket_id=created.pk, actor=agent, user=engineer)
    ticket = Ticket.objects.get(pk=created.pk)
    prefetch_related_objects([ticket], *DETAIL_PREFETCH)
    request = Request(APIRequestFactory().get("/api/v1/tickets/"))
    with translation.override(language):
        serializer = TicketDetailOutputSerializer(ticket, context={"request": request})
        fast = serializer.data
        generic = super(TicketListOutputSerializer, serializer).to_representation(ticket)
    assert dict(fast) == generic
    assert fast["registration_lag"] and fast["secondary_categories"]
