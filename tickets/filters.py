"""One FilterSet for the engineer queues and the API list."""

import datetime as dt

import django_filters as df
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Category, Channel, Organization, PriorityLevel, Status, Team, Ticket, User

ORDERING: dict[str, tuple[str | OrderBy, ...]] = {
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
    "priority": ("priority_rank", "-created_at", "-id"),
    "-priority": ("-priority_rank", "-created_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    # Tickets without an open deadline come last either way.
    "deadline": (F("sla_due_at").asc(nulls_last=True), "id"),
    "-deadline": (F("sla_due_at").desc(nulls_last=True), "-id"),
}
ORDERING_CHOICES = [
    ("-created", _("newest first")),
    ("created", _("oldest first")),
    ("priority", _("most urgent first")),
    ("-priority", _("least urgent first")),
    ("-updated", _("recently updated")),
    ("updated", _("least recently updated")),
    ("-number", _("number, descending")),
    ("number", _("number, ascending")),
    ("deadline", _("nearest deadline first")),
    ("-deadline", _("furthest deadline first")),
]
DEADLINE_CHOICES = [
    ("warning", _("warning")),
    ("breached", _("breached")),
    ("due_today", _("due today")),
]


class TicketFilter(df.FilterSet):
    q = df.CharFilter(method="filter_text", label=_("Search"))
    status = df.MultipleChoiceFilter(choices=Status.choices, label=_("Status"), distinct=False)
    priority = df.ModelChoiceFilter(
        queryset=PriorityLevel.objects.select_related("scheme"), label=_("Priority")
    )
    rank = df.NumberFilter(field_name="priority_rank", label=_("Priority rank"))
    category = df.ModelChoiceFilter(
        queryset=Category.objects.all(), method="filter_category", label=_("Category")
    )
    team = df.ModelChoiceFilter(queryset=Team.objects.all(), label=_("Team"))
    assignee = df.ModelChoiceFilter(
        queryset=User.objects.filter(organization__isnull=True), label=_("Assignee")
    )
    channel = df.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    organization = df.ModelChoiceFilter(
        queryset=Organization.objects.all(), label=_("Organization")
    )
    created_after = df.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label=_("Registered from")
    )
    created_before = df.DateFilter(
        field_name="created_at", lookup_expr="date__lte", label=_("Registered until")
    )
    deadline = df.ChoiceFilter(
        choices=DEADLINE_CHOICES,
        method="filter_deadline",
        label=_("Deadline"),
        empty_label=_("any"),
    )
    ordering = df.ChoiceFilter(
        choices=ORDERING_CHOICES, method="filter_ordering", label=_("Sort"), empty_label=None
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_text(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        value = value.strip()
        if not value:
            return qs
        if value.upper().startswith("TS-"):
            return qs.filter(number__startswith=value.upper())
        return qs.filter(Q(title__icontains=value) | Q(number__icontains=value))

    def filter_category(self, qs: QuerySet[Ticket], name: str, value: Category) -> QuerySet[Ticket]:
        return qs.filter(Q(category=value) | Q(category__parent=value))

    def filter_deadline(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        """By the nearest open SLA deadline (`sla_due_at`, `sla_warn_at`), like the queue's badge:
        breached once it has passed, warning once its warning time has, due today when it falls
        before midnight in the helpdesk's time zone."""
        now = timezone.now()
        if value == "breached":
            return qs.filter(sla_due_at__lte=now)
        if value == "warning":
            return qs.filter(sla_warn_at__lte=now, sla_due_at__gt=now)
        tomorrow = timezone.localdate(now) + dt.timedelta(days=1)
        midnight = dt.datetime.combine(tomorrow, dt.time(), tzinfo=timezone.get_current_timezone())
        return qs.filter(sla_due_at__gt=now, sla_due_at__lt=midnight)

    def filter_ordering(self, qs: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        return qs.order_by(*ORDERING.get(value, ORDERING["-created"]))
