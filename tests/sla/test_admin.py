"""SLA admin wiring: every page renders, saves bump the versions, the missing-holiday-data
warning shows, audit data is read-only, and the presets command is idempotent."""

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf

from sla.models import (
    Calendar,
    CalendarOverride,
    ClockDefinition,
    ClockEvent,
    ClockState,
    SlaPolicy,
    SlaTarget,
    SupervisorTask,
    TicketClock,
)
from sla.services import sla_sweep
from tests.factories import level
from tickets import services
from tickets.models import Team, Ticket

pytestmark = pytest.mark.django_db

AUDIT_MODELS = (TicketClock, ClockEvent, SupervisorTask)


def url(model: type, view: str, *args: Any) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def post_data(response) -> dict[str, Any]:
    """The change form as a browser would submit it unchanged (main form and inlines)."""
    data: dict[str, Any] = {}

    def add_form(form) -> None:
        for bound in form:
            value = bound.field.prepare_value(bound.value())
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            else:
                data[bound.html_name] = str(value)

    add_form(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add_form(formset.management_form)
        for form in formset.initial_forms:
            add_form(form)
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.initial_forms))
    data["_save"] = "Save"
    return data


@pytest.fixture
def escalated_ticket(customer, agent, engineer, supervisor) -> Ticket:
    """A dispatched ticket whose clocks breached and escalated: clocks, events and tasks exist."""
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(title="数据库连接超时", description="连接超时", channel="portal"),
    )
    team = Team.objects.filter(memberships__user=engineer).first()
    Team.objects.filter(pk=team.pk).update(lead=supervisor)
    services.ticket_assign(
        ticket_id=ticket.pk, actor=agent, assignee=engineer, team=team, reason="desk"
    )
    sla_sweep(now=timezone.now() + dt.timedelta(days=30))
    return ticket


# ---------------------------------------------------------------------------------------------
# Every page renders


def test_every_sla_admin_page_renders(admin_client, escalated_ticket):
    assert SupervisorTask.objects.exists()
    for model in (Calendar, SlaPolicy, ClockDefinition, *AUDIT_MODELS):
        changelist = admin_client.get(url(model, "changelist"))
        assert changelist.status_code == 200, model
        obj = model.objects.order_by("pk").first()
        change = admin_client.get(url(model, "change", obj.pk))
        assert change.status_code == 200, model
    for model in (Calendar, SlaPolicy, ClockDefinition):
        obj = model.objects.order_by("pk").first()
        assert admin_client.get(url(model, "history", obj.pk)).status_code == 200
    for model in (Calendar, SlaPolicy):
        assert admin_client.get(url(model, "add")).status_code == 200


def test_audit_changelists_filter_and_search_by_ticket_number(admin_client, escalated_ticket):
    number = escalated_ticket.number
    for model, query in (
        (TicketClock, {"state__exact": "breached", "kind__exact": "first_response"}),
        (ClockEvent, {"kind__exact": "breached"}),
        (SupervisorTask, {"kind__exact": "escalation", "acknowledged": "no"}),
    ):
        response = admin_client.get(url(model, "changelist"), {**query, "q": number})
        assert response.status_code == 200
        rows = list(response.context["cl"].result_list)
        assert rows, model
        assert {row.ticket_id for row in rows} == {escalated_ticket.pk}
        assert number in response.content.decode()
        missing = admin_client.get(url(model, "changelist"), {"q": "TS-19990101"})
        assert list(missing.context["cl"].result_list) == []


def test_clock_page_explains_the_deadline(admin_client, escalated_ticket):
    clock = TicketClock.objects.get(ticket=escalated_ticket, kind="first_response")
    page = admin_client.get(url(TicketClock, "change", clock.pk)).content.decode()
    assert "breached at" in page
    assert "of business time from" in page
    assert escalated_ticket.number in page


# ---------------------------------------------------------------------------------------------
# Audit data is read-only


def test_audit_admins_refuse_add_change_and_delete(admin_user, admin_client, escalated_ticket):
    request = RequestFactory().get("/")
    request.user = admin_user
    for model in AUDIT_MODELS:
        model_admin = admin.site._registry[model]
        obj = model.objects.order_by("pk").first()
        assert model_admin.has_add_permission(request) is False
        assert model_admin.has_change_permission(request, obj) is False
        assert model_admin.has_delete_permission(request, obj) is False
        assert model_admin.has_view_permission(request, obj) is True
        assert admin_client.get(url(model, "add")).status_code == 403
        assert admin_client.get(url(model, "delete", obj.pk)).status_code == 403
        assert admin_client.post(url(model, "change", obj.pk), {}).status_code == 403
    clock = TicketClock.objects.filter(ticket=escalated_ticket).first()
    before = (clock.state, clock.due_at)
    clock.refresh_from_db()
    assert (clock.state, clock.due_at) == before


def test_clock_definitions_are_edited_not_added_or_deleted(admin_user, admin_client):
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = admin.site._registry[ClockDefinition]
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert admin_client.get(url(ClockDefinition, "add")).status_code == 403

    definition = ClockDefinition.objects.get(code="first_response")
    change_url = url(ClockDefinition, "change", definition.pk)
    data = post_data(admin_client.get(change_url))
    assert data["start_events"] == ", ".join(definition.start_events)

    data["stop_events"] = "first_response, status:finished"
    refused = admin_client.post(change_url, data)
    assert refused.status_code == 200
    assert "unknown status" in refused.context["adminform"].form.errors["stop_events"][0]

    data["stop_events"] = "first_response，public_reply  status:resolved"
    data["pause_statuses"] = ["waiting_customer", "waiting_third_party"]
    assert admin_client.post(change_url, data).status_code == 302
    definition.refresh_from_db()
    assert definition.stop_events == ["first_response", "public_reply", "status:resolved"]
    assert definition.pause_statuses == ["waiting_customer", "waiting_third_party"]


# ---------------------------------------------------------------------------------------------
# Policies


def test_saving_a_policy_bumps_its_version(admin_client):
    policy = SlaPolicy.objects.get(code="severity")
    change_url = url(SlaPolicy, "change", policy.pk)
    data = post_data(admin_client.get(change_url))
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    policy.refresh_from_db()
    assert policy.version == 2

    data["warn_minutes"] = "30"
    admin_client.post(change_url, data)
    policy.refresh_from_db()
    assert (policy.version, policy.warn_minutes) == (3, 30)


def test_editing_only_a_target_bumps_the_version_and_the_action_applies_it(
    admin_client, customer, monkeypatch
):
    monkeypatch.setattr(Conf, "SYNC", True)  # run the queued task in-process
    policy = SlaPolicy.objects.get(is_default=True)
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(
            title="无法登录", description="密码正确也无法登录", channel="portal"
        ),
    )
    assert ticket.sla.policy_version == policy.version == 1
    clock = TicketClock.objects.get(ticket=ticket, kind="first_response", state=ClockState.RUNNING)

    change_url = url(SlaPolicy, "change", policy.pk)
    page = admin_client.get(change_url)
    data = post_data(page)
    target = SlaTarget.objects.get(
        policy=policy, clock__code="first_response", level=ticket.priority
    )
    formset = next(
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is SlaTarget
    )
    form = next(f for f in formset.initial_forms if f.instance.pk == target.pk)
    data[form["amount"].html_name] = str(target.amount * 2)
    assert admin_client.post(change_url, data).status_code == 302
    policy.refresh_from_db()
    assert policy.version == 2
    ticket.sla.refresh_from_db()
    assert ticket.sla.policy_version == 1  # open tickets keep their version until applied

    response = admin_client.post(
        url(SlaPolicy, "changelist"),
        {"action": "apply_current_version", "_selected_action": [policy.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "measured against version 2" in response.content.decode()
    ticket.sla.refresh_from_db()
    assert ticket.sla.policy_version == 2
    clock.refresh_from_db()
    assert clock.target_amount == target.amount * 2


def test_a_target_level_must_belong_to_the_policy_scheme(admin_client):
    policy = SlaPolicy.objects.get(code="four-level")
    change_url = url(SlaPolicy, "change", policy.pk)
    page = admin_client.get(change_url)
    formset = next(
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is SlaTarget
    )
    choices = formset.forms[0].fields["level"].queryset
    assert set(choices.values_list("scheme__code", flat=True)) == {"four-level"}

    data = post_data(page)
    level_field = next(f for f in formset.initial_forms if f.instance.level_id)["level"].html_name
    data[level_field] = str(level("fatal", scheme="severity").pk)
    response = admin_client.post(change_url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()

    # Switching the policy to another scheme while its targets name four-level levels.
    data = post_data(page)
    data["priority_scheme"] = str(level("fatal", scheme="severity").scheme_id)
    response = admin_client.post(change_url, data)
    assert response.status_code == 200
    assert "The level must belong to the policy&#x27;s scheme." in response.content.decode()
    policy.refresh_from_db()
    assert (policy.version, policy.priority_scheme.code) == (1, "four-level")


def test_on_the_add_page_target_levels_are_checked_against_the_chosen_scheme(admin_client):
    page = admin_client.get(url(SlaPolicy, "add"))
    data = post_data(page)
    formset = next(
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is SlaTarget
    )
    severity = level("fatal", scheme="severity")
    data.update(
        code="vip",
        name="VIP 客户",
        calendar=str(Calendar.objects.get(code="china-mainland").pk),
        priority_scheme=str(severity.scheme_id),
        warn_minutes="60",
        position="10",
    )
    data[f"{formset.prefix}-TOTAL_FORMS"] = "1"
    row = {
        "clock": str(ClockDefinition.objects.get(code="first_response").pk),
        "level": str(level("urgent").pk),
        "amount": "15",
        "unit": "business_minutes",
    }
    data.update({f"{formset.prefix}-0-{k}": v for k, v in row.items()})
    response = admin_client.post(url(SlaPolicy, "add"), data)
    assert response.status_code == 200
    assert "The level must belong to the policy&#x27;s scheme." in response.content.decode()
    assert not SlaPolicy.objects.filter(code="vip").exists()

    data[f"{formset.prefix}-0-level"] = str(severity.pk)
    response = admin_client.post(url(SlaPolicy, "add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    vip = SlaPolicy.objects.get(code="vip")
    assert vip.version == 1
    assert vip.targets.get().level == severity


def test_two_targets_for_the_same_clock_and_level_are_refused(admin_client):
    policy = SlaPolicy.objects.get(code="four-level")
    change_url = url(SlaPolicy, "change", policy.pk)
    page = admin_client.get(change_url)
    data = post_data(page)
    formset = next(
        i.formset for i in page.context["inline_admin_formsets"] if i.formset.model is SlaTarget
    )
    any_level = next(f for f in formset.initial_forms if f.instance.level_id is None)
    prefix = formset.prefix
    total = len(formset.initial_forms)
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-clock"] = str(any_level.instance.clock_id)
    data[f"{prefix}-{total}-amount"] = "5"
    data[f"{prefix}-{total}-unit"] = "business_minutes"
    data[f"{prefix}-{total}-policy"] = str(policy.pk)
    response = admin_client.post(change_url, data)
    assert response.status_code == 200
    assert "already has a target for this priority level" in response.content.decode()


def test_only_one_default_policy(admin_client):
    policy = SlaPolicy.objects.get(code="severity")
    change_url = url(SlaPolicy, "change", policy.pk)
    data = post_data(admin_client.get(change_url))
    data["is_default"] = "on"
    response = admin_client.post(change_url, data)
    assert response.status_code == 200
    assert "is already the default policy" in response.content.decode()
    assert SlaPolicy.objects.filter(is_default=True).count() == 1


# ---------------------------------------------------------------------------------------------
# Calendars


def test_a_calendar_without_published_holiday_data_says_so(client, admin_user):
    china = Calendar.objects.get(code="china-mainland")
    text = "No published holiday data for 2059, 2060, 2061, 2062"
    with time_machine.travel(dt.datetime(2060, 6, 1, 10, tzinfo=dt.UTC), tick=False):
        client.force_login(admin_user)
        page = client.get(url(Calendar, "change", china.pk))
        messages = [str(m) for m in page.context["messages"]]
        assert any(text in m for m in messages), messages
        changelist = client.get(url(Calendar, "changelist")).content.decode()
        assert changelist.count(text) == 2  # the message and the column

        always_open = Calendar.objects.get(code="24x7")
        page = client.get(url(Calendar, "change", always_open.pk))
        assert not any("No published holiday data" in str(m) for m in page.context["messages"])

        for year in (2059, 2060, 2061):
            CalendarOverride.objects.create(
                calendar=china, date=dt.date(year, 10, 1), is_working=False, note="国庆节"
            )
        page = client.get(url(Calendar, "change", china.pk))
        messages = [str(m) for m in page.context["messages"]]
        assert any("No published holiday data for 2062:" in m for m in messages), messages


def test_saving_a_calendar_or_its_overrides_bumps_its_version(admin_client):
    china = Calendar.objects.get(code="china-mainland")
    change_url = url(Calendar, "change", china.pk)
    page = admin_client.get(change_url)
    data = post_data(page)
    overrides = next(
        i.formset
        for i in page.context["inline_admin_formsets"]
        if i.formset.model is CalendarOverride
    )
    prefix, total = overrides.prefix, len(overrides.initial_forms)
    data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    data[f"{prefix}-{total}-date"] = "2027-10-01"
    data[f"{prefix}-{total}-note"] = "国庆节"
    data[f"{prefix}-{total}-calendar"] = str(china.pk)
    response = admin_client.post(change_url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    china.refresh_from_db()
    assert china.version == 2
    assert china.overrides.get(date=dt.date(2027, 10, 1)).is_working is False

    admin_client.post(change_url, post_data(admin_client.get(change_url)))
    china.refresh_from_db()
    assert china.version == 3


def test_a_slot_ending_before_it_starts_is_a_form_error(admin_client):
    china = Calendar.objects.get(code="china-mainland")
    change_url = url(Calendar, "change", china.pk)
    page = admin_client.get(change_url)
    data = post_data(page)
    slots = next(
        i.formset
        for i in page.context["inline_admin_formsets"]
        if i.formset.model.__name__ == "WorkingSlot"
    )
    form = slots.initial_forms[0]
    data[form["start"].html_name] = "18:00"
    data[form["end"].html_name] = "09:00"
    response = admin_client.post(change_url, data)
    assert response.status_code == 200
    assert "A slot must end after it starts." in response.content.decode()
    china.refresh_from_db()
    assert china.version == 1


# ---------------------------------------------------------------------------------------------
# load_sla_presets


def test_load_sla_presets_creates_only_what_is_missing():
    out = io.StringIO()
    call_command("load_sla_presets", stdout=out)
    assert "No new SLA presets" in out.getvalue()
    count = SlaPolicy.objects.count()

    SlaPolicy.objects.filter(code="severity").delete()
    out = io.StringIO()
    call_command("load_sla_presets", stdout=out)
    assert "“severity”" in out.getvalue()
    assert "“four-level”" not in out.getvalue()
    assert SlaPolicy.objects.count() == count
    severity = SlaPolicy.objects.get(code="severity")
    assert severity.targets.filter(clock__code="first_response").count() == 4
    assert severity.escalations.count() == 3

    out = io.StringIO()
    call_command("load_sla_presets", stdout=out)
    assert "No new SLA presets" in out.getvalue()
    assert SlaPolicy.objects.count() == count


def test_load_sla_presets_recreates_the_calendars(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    SlaPolicy.objects.all().delete()
    Calendar.objects.all().delete()
    out = io.StringIO()
    call_command("load_sla_presets", stdout=out)
    assert "5 preset(s) created." in out.getvalue()
    china = Calendar.objects.get(code="china-mainland")
    assert china.slots.count() == 10
    assert Calendar.objects.get(code="24x7").always_open
    assert SlaPolicy.objects.filter(is_default=True).get().code == "four-level"
