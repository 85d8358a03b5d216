"""Django admin of the SLA engine (PROCESS §11).

Calendars (working slots, holidays and make-up working days) and policies (targets per clock and
priority level, escalation chain) are configuration, edited here. Every save bumps a version:
a calendar's version invalidates the per-process calendar cache; a policy's version is what new
tickets snapshot, and open tickets move to it only through the explicit admin action.
Clocks, their events and supervisor tasks are audit data: shown, never added, changed or deleted.
"""

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.db.models import F, Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_q.tasks import async_task
from simple_history.admin import SimpleHistoryAdmin

from tickets.admin import ReadOnlyMixin
from tickets.models import PriorityLevel, Status

from .models import (
    Calendar,
    CalendarOverride,
    ClockDefinition,
    ClockEvent,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    SupervisorTask,
    TicketClock,
    WorkingSlot,
)
from .selectors import calendars_missing_data, clock_explanation
from .services import calendar_bump, calendar_missing_years


def _missing_text(years: list[int]) -> str:
    return ngettext(
        "No published holiday data for %(years)s: add the official schedule as overrides.",
        "No published holiday data for %(years)s: add the official schedules as overrides.",
        len(years),
    ) % {"years": ", ".join(str(y) for y in years)}


def _ticket_link(ticket_id: int, number: str) -> str:
    url = reverse("admin:tickets_ticket_change", args=[ticket_id])
    return format_html('<a href="{}">{}</a>', url, number)


class VersionedAdmin(SimpleHistoryAdmin):
    """Saves every field but `version`, which is only ever bumped with an F() update, so that a
    concurrent bump is never overwritten by the stale value of the form's instance."""

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if not change:
            obj.save()
            return
        fields = [
            f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name != "version"
        ]
        obj.save(update_fields=fields)


# --- calendars ----------------------------------------------------------------------------


class WorkingSlotInline(admin.TabularInline):
    model = WorkingSlot
    extra = 0
    fields = ("weekday", "start", "end")


class CalendarOverrideInline(admin.TabularInline):
    model = CalendarOverride
    extra = 1
    fields = ("date", "is_working", "note")


@admin.register(Calendar)
class CalendarAdmin(VersionedAdmin):
    list_display = (
        "code",
        "__str__",
        "tz",
        "always_open",
        "china_holidays",
        "holiday_data",
        "version",
    )
    list_filter = ("always_open", "china_holidays")
    search_fields = ("code", "name", "name_en")
    fields = (
        "code",
        ("name", "name_en"),
        "tz",
        "always_open",
        "china_holidays",
        "version",
        "holiday_data",
    )
    readonly_fields = ("version", "holiday_data")
    inlines = (WorkingSlotInline, CalendarOverrideInline)

    @admin.display(description=_("holiday data"))
    def holiday_data(self, obj: Calendar) -> str:
        if obj.pk is None:
            return "-"
        if obj.always_open or not obj.china_holidays:
            return str(_("not needed"))
        missing = calendar_missing_years(obj)
        if missing:
            return format_html(
                '<strong style="color: var(--error-fg)">⚠ {}</strong>', _missing_text(missing)
            )
        return str(_("complete"))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        calendar_bump(form.instance)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            for cal, years in calendars_missing_data():
                messages.warning(request, f"{cal.label}: {_missing_text(years)}")
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            missing = calendar_missing_years(obj) if obj is not None else []
            if missing:
                messages.warning(request, _missing_text(missing))
        return super().change_view(request, object_id, form_url, extra_context)


# --- policies -----------------------------------------------------------------------------


class TargetFormSet(BaseInlineFormSet):
    """A level must belong to the policy's priority scheme (also the one just chosen on the add
    page), and each clock has at most one target per level and one for "every level"."""

    def clean(self) -> None:
        super().clean()
        scheme_id = self.instance.priority_scheme_id
        seen: set[tuple[int, int | None]] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("clock"):
                continue
            level = data.get("level")
            if level is not None and scheme_id and level.scheme_id != scheme_id:
                form.add_error("level", _("The level must belong to the policy's scheme."))
            key = (data["clock"].pk, level.pk if level else None)
            if key in seen:
                form.add_error(
                    "level", _("This clock already has a target for this priority level.")
                )
            seen.add(key)


class SlaTargetInline(admin.TabularInline):
    model = SlaTarget
    formset = TargetFormSet
    extra = 0
    fields = ("clock", "level", "amount", "unit")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("clock", "level")

    def get_formset(self, request: HttpRequest, obj: SlaPolicy | None = None, **kwargs: Any):
        formset = super().get_formset(request, obj, **kwargs)
        levels = PriorityLevel.objects.select_related("scheme").order_by("scheme", "rank")
        if obj is not None:
            levels = levels.filter(scheme_id=obj.priority_scheme_id)
        if "level" in formset.form.base_fields:
            formset.form.base_fields["level"].queryset = levels
        return formset


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    fields = ("level", "after_minutes", "notify_team_lead", "notify_role", "notify_user")
    autocomplete_fields = ("notify_user",)


class SlaPolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = (
            "code",
            "name",
            "name_en",
            "active",
            "is_default",
            "calendar",
            "priority_scheme",
            "warn_minutes",
            "warn_percent",
            "position",
            "organization",
            "category",
            "channel",
        )

    def clean_is_default(self) -> bool:
        is_default = self.cleaned_data["is_default"]
        if is_default:
            other = SlaPolicy.objects.filter(is_default=True).exclude(pk=self.instance.pk).first()
            if other is not None:
                raise forms.ValidationError(
                    _("“%(policy)s” is already the default policy: untick it there first."),
                    params={"policy": other.label},
                )
        return is_default


@admin.register(SlaPolicy)
class SlaPolicyAdmin(VersionedAdmin):
    form = SlaPolicyForm
    list_display = (
        "code",
        "__str__",
        "priority_scheme",
        "calendar",
        "is_default",
        "active",
        "position",
        "version",
    )
    list_filter = ("active", "is_default", "priority_scheme", "calendar")
    list_select_related = ("priority_scheme", "calendar")
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("organization", "category")
    readonly_fields = ("version",)
    fieldsets = (
        (None, {"fields": ("code", ("name", "name_en"), "version", "active", "is_default")}),
        (
            _("Measurement"),
            {"fields": ("calendar", "priority_scheme", "warn_minutes", "warn_percent")},
        ),
        (
            _("Applies to"),
            {
                "description": _(
                    "Policies are tried in position order; the first whose conditions all hold "
                    "wins, else the default policy."
                ),
                "fields": ("position", "organization", "category", "channel"),
            },
        ),
    )
    inlines = (SlaTargetInline, EscalationStepInline)
    actions = ("apply_current_version",)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if not change:
            return
        policy = form.instance
        SlaPolicy.objects.filter(pk=policy.pk).update(version=F("version") + 1)
        policy.refresh_from_db(fields=["version"])
        messages.info(
            request,
            _(
                "New tickets are now measured against version %(version)d. Open tickets keep "
                "their version until you run “Apply the current version to open tickets”."
            )
            % {"version": policy.version},
        )

    @admin.action(
        description=_("Apply the current version to open tickets"), permissions=("change",)
    )
    def apply_current_version(self, request: HttpRequest, queryset: Any) -> None:
        for policy in queryset:
            async_task("sla.tasks.reapply_policy", policy.pk)
            messages.success(
                request,
                _(
                    "Queued: the open tickets of “%(policy)s” will be measured against version "
                    "%(version)d in the background."
                )
                % {"policy": policy.label, "version": policy.version},
            )


# --- clock definitions --------------------------------------------------------------------

EVENT_NAME = re.compile(r"^[a-z][a-z_]*(:[a-z_]+)?$")


class EventListField(forms.CharField):
    """A JSON list of event names, edited as comma-separated text."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        names: list[str] = []
        for name in re.split(r"[\s,，]+", text):
            if name and name not in names:
                names.append(name)
        return names

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        statuses = set(Status.values)
        for name in value:
            if not EVENT_NAME.match(name):
                raise forms.ValidationError(
                    _("“%(name)s” is not an event name (lower case letters and _)."),
                    params={"name": name},
                )
            if name.startswith("status:") and name.removeprefix("status:") not in statuses:
                raise forms.ValidationError(
                    _("“%(name)s”: unknown status. Known: %(statuses)s."),
                    params={"name": name, "statuses": ", ".join(Status.values)},
                )


EVENTS_HELP = _(
    "Comma-separated. Events: received, registered, classified, assigned, first_response, "
    "public_reply, worklog, handed_back, reopened, and status:<status> (status:resolved, …)."
)


class ClockDefinitionForm(forms.ModelForm):
    start_events = EventListField(label=_("start events"), help_text=EVENTS_HELP)
    stop_events = EventListField(label=_("stop events"), help_text=EVENTS_HELP)
    cancel_events = EventListField(label=_("cancel events"), required=False)
    pause_statuses = forms.TypedMultipleChoiceField(
        label=_("paused while in status"),
        choices=Status.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ClockDefinition
        fields = (
            "name",
            "name_en",
            "start_events",
            "stop_events",
            "cancel_events",
            "pause_statuses",
            "recurring",
            "escalates",
            "active",
            "position",
        )


@admin.register(ClockDefinition)
class ClockDefinitionAdmin(SimpleHistoryAdmin):
    """The clock kinds are fixed in code (`ClockKind`) and loaded by `load_sla_presets`; what
    starts, stops and pauses them is edited here."""

    form = ClockDefinitionForm
    list_display = (
        "code",
        "__str__",
        "events",
        "pause_list",
        "recurring",
        "escalates",
        "active",
        "position",
    )
    list_filter = ("active", "escalates", "recurring")
    search_fields = ("code", "name", "name_en")
    readonly_fields = ("code",)
    fields = ("code", *ClockDefinitionForm.Meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # ticket clocks refer to their definition

    @admin.display(description=_("start → stop"))
    def events(self, obj: ClockDefinition) -> str:
        return f"{', '.join(obj.start_events)} → {', '.join(obj.stop_events)}"

    @admin.display(description=_("paused while in status"))
    def pause_list(self, obj: ClockDefinition) -> str:
        labels = dict(Status.choices)
        return ", ".join(str(labels.get(s, s)) for s in obj.pause_statuses) or "-"


# --- audit: clocks, their events, supervisor tasks ----------------------------------------


class TicketNumberMixin:
    @admin.display(description=_("ticket"), ordering="ticket__number")
    def ticket_number(self, obj: Any) -> str:
        return _ticket_link(obj.ticket_id, obj.ticket.number)


class ClockEventInline(ReadOnlyMixin, admin.TabularInline):
    model = ClockEvent
    fk_name = "clock"
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor", "old_due", "new_due", "reason")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("actor")


@admin.register(TicketClock)
class TicketClockAdmin(TicketNumberMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "ticket_number",
        "kind",
        "round",
        "state",
        "target",
        "started_at",
        "due_at",
        "breached_at",
        "met_at",
        "escalation_level",
    )
    list_filter = ("state", "kind", "escalation_level")
    list_select_related = ("ticket",)
    search_fields = ("^ticket__number",)
    search_help_text = _("Ticket number, or its beginning (TS-20260102).")
    ordering = ("-id",)
    show_full_result_count = False
    fields = (
        "ticket_number",
        ("kind", "round", "state"),
        ("policy", "policy_version", "calendar"),
        "target",
        "explanation",
        ("started_at", "due_at", "warn_at"),
        ("paused_at", "paused_minutes", "remaining_minutes"),
        ("warned_at", "breached_at", "met_at", "stopped_at"),
        ("escalation_level", "next_escalation_at"),
        "task",
    )
    readonly_fields = ("ticket_number", "target", "explanation")
    inlines = (ClockEventInline,)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("calendar", "policy")

    @admin.display(description=_("target"))
    def target(self, obj: TicketClock) -> str:
        return f"{obj.target_amount} {obj.get_target_unit_display()}"

    @admin.display(description=_("why this deadline"))
    def explanation(self, obj: TicketClock) -> str:
        explained = clock_explanation(obj)
        return format_html(
            "<strong>{}</strong><ul>{}</ul>",
            explained.headline,
            format_html_join("", "<li>{}</li>", ((r,) for r in explained.reasons)),
        )


@admin.register(ClockEvent)
class ClockEventAdmin(TicketNumberMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket_number", "clock_kind", "kind", "at", "actor", "old_due", "new_due")
    list_filter = ("kind", "clock__kind")
    list_select_related = ("ticket", "clock", "actor")
    search_fields = ("^ticket__number",)
    search_help_text = TicketClockAdmin.search_help_text
    ordering = ("-id",)
    show_full_result_count = False
    fields = (
        "ticket_number",
        "clock",
        "kind",
        "at",
        "actor",
        ("old_due", "new_due"),
        "reason",
        "detail",
    )
    readonly_fields = ("ticket_number",)

    @admin.display(description=_("clock"), ordering="clock__kind")
    def clock_kind(self, obj: ClockEvent) -> str:
        return obj.clock.get_kind_display()


class AcknowledgedFilter(admin.SimpleListFilter):
    title = _("acknowledged")
    parameter_name = "acknowledged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("no", _("open")), ("yes", _("acknowledged"))]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        if self.value() in ("yes", "no"):
            return queryset.filter(acknowledged_at__isnull=self.value() == "no")
        return queryset


@admin.register(SupervisorTask)
class SupervisorTaskAdmin(TicketNumberMixin, ReadOnlyMixin, admin.ModelAdmin):
    list_display = (
        "ticket_number",
        "kind",
        "level",
        "clock_kind",
        "assignee",
        "created_at",
        "acknowledged_at",
    )
    list_filter = ("kind", AcknowledgedFilter, "level")
    list_select_related = ("ticket", "assignee", "source_clock")
    search_fields = ("^ticket__number", "assignee__username")
    search_help_text = _("Ticket number (or its beginning) or the assignee's user name.")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    fields = (
        "ticket_number",
        ("kind", "level"),
        "source_clock",
        "assignee",
        ("created_at", "acknowledged_at"),
        "note",
    )
    readonly_fields = ("ticket_number",)

    @admin.display(description=_("clock"), ordering="source_clock__kind")
    def clock_kind(self, obj: SupervisorTask) -> str:
        return obj.source_clock.get_kind_display()
