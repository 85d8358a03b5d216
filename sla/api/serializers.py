"""SLA API: input serializers only parse; output serializers render what `sla.selectors` and
`sla.services` return. Deadlines and their rules are computed by the services, never here."""

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.api.serializers import (
    CategoryRefSerializer,
    OrganizationRefSerializer,
    PriorityRefSerializer,
    PrioritySchemeRefSerializer,
    TeamRefSerializer,
    UserRefSerializer,
)
from tickets.models import Ticket

from ..models import (
    Calendar,
    CalendarOverride,
    ClockEvent,
    ClockState,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    SupervisorTask,
    TargetUnit,
    TicketClock,
    WorkingSlot,
)
from ..selectors import badge, clock_explanation
from ..services import calendar_missing_years

# ---------------------------------------------------------------------------------------------
# Input


class ClockListQuerySerializer(serializers.Serializer):
    ticket = serializers.CharField(
        max_length=40, help_text="The ticket number, e.g. `TS-20260105-001`."
    )


class ClockExtendInputSerializer(serializers.Serializer):
    new_due = serializers.DateTimeField(
        help_text="The new deadline (ISO 8601); later than the current one."
    )
    reason = serializers.CharField(
        allow_blank=True, default="", help_text="Why the deadline moves (required)."
    )
    customer_informed = serializers.BooleanField(
        default=False,
        help_text="The customer was told the reason and the new expected time (required).",
    )


class TaskAcknowledgeInputSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, default="", max_length=2000)


# ---------------------------------------------------------------------------------------------
# Clocks


class TicketRefSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:ticket-detail", lookup_field="number", read_only=True
    )

    class Meta:
        model = Ticket
        fields = ("url", "number", "title")
        read_only_fields = fields


class AttentionTicketSerializer(TicketRefSerializer):
    team = TeamRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)

    class Meta(TicketRefSerializer.Meta):
        fields = ("url", "number", "title", "status", "team", "assignee")
        read_only_fields = fields


class ClockTargetSerializer(serializers.Serializer):
    amount = serializers.IntegerField(source="target_amount", read_only=True)
    unit = serializers.ChoiceField(choices=TargetUnit.choices, source="target_unit", read_only=True)


class ExplanationSerializer(serializers.Serializer):
    headline = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())


class ClockEventOutputSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ClockEvent
        fields = (
            "id",
            "kind",
            "kind_label",
            "at",
            "actor",
            "old_due",
            "new_due",
            "reason",
            "detail",
        )
        read_only_fields = fields


class ClockOutputSerializer(serializers.ModelSerializer):
    """One clock with why its deadline is what it is. Pass `events` ({clock id: [events]}) in
    the context to render from events loaded once per ticket."""

    label = serializers.CharField(source="definition.label", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    target = ClockTargetSerializer(source="*", read_only=True)
    explanation = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = TicketClock
        fields = (
            "id",
            "kind",
            "label",
            "round",
            "state",
            "state_label",
            "target",
            "started_at",
            "due_at",
            "warn_at",
            "warned_at",
            "met_at",
            "breached_at",
            "stopped_at",
            "paused_at",
            "paused_minutes",
            "remaining_minutes",
            "escalation_level",
            "policy_version",
            "explanation",
            "events",
        )
        read_only_fields = fields

    def _events(self, clock: TicketClock) -> list[ClockEvent]:
        grouped: dict[int, list[ClockEvent]] | None = self.context.get("events")
        if grouped is None:
            grouped = self.context["events"] = {}
        if clock.pk not in grouped:
            grouped[clock.pk] = list(clock.events.select_related("actor"))
        return grouped[clock.pk]

    @extend_schema_field(ExplanationSerializer)
    def get_explanation(self, clock: TicketClock) -> dict[str, Any]:
        explained = clock_explanation(clock, self._events(clock))
        return {"headline": explained.headline, "reasons": explained.reasons}

    @extend_schema_field(ClockEventOutputSerializer(many=True))
    def get_events(self, clock: TicketClock) -> list[dict[str, Any]]:
        return ClockEventOutputSerializer(self._events(clock), many=True, context=self.context).data


class AttentionOutputSerializer(serializers.ModelSerializer):
    """A breached or warned clock with its ticket (`sla_attention_queue` loads both)."""

    label = serializers.CharField(source="definition.label", read_only=True)
    badge = serializers.SerializerMethodField()
    ticket = AttentionTicketSerializer(read_only=True)

    class Meta:
        model = TicketClock
        fields = (
            "id",
            "badge",
            "kind",
            "label",
            "round",
            "state",
            "due_at",
            "warn_at",
            "breached_at",
            "escalation_level",
            "ticket",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["warning", "breached"]))
    def get_badge(self, clock: TicketClock) -> str:
        if clock.state == ClockState.BREACHED:
            return "breached"
        now: dt.datetime = self.context.get("now") or timezone.now()
        return badge(due_at=clock.due_at, warn_at=clock.warn_at, now=now)


# ---------------------------------------------------------------------------------------------
# Supervisor tasks


class TaskClockSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="definition.label", read_only=True)

    class Meta:
        model = TicketClock
        fields = ("id", "kind", "label", "state", "due_at", "breached_at")
        read_only_fields = fields


class SupervisorTaskOutputSerializer(serializers.ModelSerializer):
    ticket = TicketRefSerializer(read_only=True)
    clock = TaskClockSerializer(source="source_clock", read_only=True)
    acknowledge_by = serializers.SerializerMethodField()

    class Meta:
        model = SupervisorTask
        fields = (
            "id",
            "kind",
            "level",
            "ticket",
            "clock",
            "created_at",
            "acknowledge_by",
            "acknowledged_at",
            "note",
        )
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_acknowledge_by(self, task: SupervisorTask) -> dt.datetime | None:
        """The deadline of the acknowledgement clock (prefetch `clocks` for lists)."""
        dues = [c.due_at for c in task.clocks.all() if c.due_at is not None]
        return min(dues) if dues else None


# ---------------------------------------------------------------------------------------------
# Calendars and policies (read-only)


class WorkingSlotOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingSlot
        fields = ("weekday", "start", "end")
        read_only_fields = fields


class CalendarOverrideOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarOverride
        fields = ("date", "is_working", "note")
        read_only_fields = fields


class CalendarRefSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = Calendar
        fields = ("id", "code", "label")
        read_only_fields = fields


class CalendarOutputSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    slots = WorkingSlotOutputSerializer(many=True, read_only=True)
    overrides = CalendarOverrideOutputSerializer(many=True, read_only=True)
    missing_years = serializers.SerializerMethodField(
        help_text="Years around today without published holiday data: add their official "
        "schedule as overrides."
    )

    class Meta:
        model = Calendar
        fields = (
            "id",
            "code",
            "name",
            "name_en",
            "label",
            "tz",
            "always_open",
            "china_holidays",
            "version",
            "slots",
            "overrides",
            "missing_years",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_missing_years(self, calendar: Calendar) -> list[int]:
        return calendar_missing_years(calendar)


class SlaTargetOutputSerializer(serializers.ModelSerializer):
    clock = serializers.CharField(source="clock.code", read_only=True)
    clock_label = serializers.CharField(source="clock.label", read_only=True)
    level = PriorityRefSerializer(
        read_only=True, allow_null=True, help_text="Null: every level without its own target."
    )

    class Meta:
        model = SlaTarget
        fields = ("clock", "clock_label", "level", "amount", "unit")
        read_only_fields = fields


class EscalationStepOutputSerializer(serializers.ModelSerializer):
    notify_user = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = EscalationStep
        fields = ("level", "after_minutes", "notify_team_lead", "notify_role", "notify_user")
        read_only_fields = fields


class SlaPolicyOutputSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    calendar = CalendarRefSerializer(read_only=True)
    priority_scheme = PrioritySchemeRefSerializer(read_only=True)
    organization = OrganizationRefSerializer(read_only=True, allow_null=True)
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    targets = SlaTargetOutputSerializer(many=True, read_only=True)
    escalations = EscalationStepOutputSerializer(many=True, read_only=True)

    class Meta:
        model = SlaPolicy
        fields = (
            "id",
            "code",
            "name",
            "name_en",
            "label",
            "version",
            "is_default",
            "active",
            "position",
            "calendar",
            "priority_scheme",
            "organization",
            "category",
            "channel",
            "warn_minutes",
            "warn_percent",
            "targets",
            "escalations",
        )
        read_only_fields = fields
