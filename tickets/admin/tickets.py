"""Tickets, read-mostly, and their audit trail, read-only.

Ticket status never changes in the admin: the lifecycle is enforced by the services only. The
few descriptive fields that may be corrected here are saved through `ticket_update`, so the
priority is recomputed and the change is recorded like any other edit. Events, assignments and
classification decisions are audit data: visible, never added, changed or deleted here.
"""

from django.contrib import admin, messages
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from ..errors import DomainError
from ..models import (
    Assignment,
    Attachment,
    Category,
    ClassificationCorrection,
    Message,
    PriorityLevel,
    Status,
    Ticket,
    TicketEvent,
)
from ..services import ticket_update
from ..services.conversation import EDITABLE_FIELDS
from .common import ReadOnlyMixin


class TicketPriorityFilter(admin.SimpleListFilter):
    """By canonical rank, so one filter covers every priority scheme."""

    title = _("priority")
    parameter_name = "rank"

    def lookups(self, request, model_admin):
        levels = PriorityLevel.objects.filter(scheme__is_default=True).order_by("rank")
        return [(str(level.rank), f"{level.rank} · {level.label}") for level in levels]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(priority_rank=int(self.value()))
        return queryset


class TicketCategoryFilter(admin.SimpleListFilter):
    """A main category also selects the tickets of its sub-categories."""

    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        choices = []
        for main in Category.objects.filter(parent__isnull=True).prefetch_related("children"):
            choices.append((str(main.pk), main.label))
            choices.extend((str(c.pk), f"└ {c.label}") for c in main.children.all())
        return choices

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            pk = int(self.value())
            return queryset.filter(Q(category_id=pk) | Q(category__parent_id=pk))
        return queryset


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False
    related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related(*self.related)


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ("created_at", "kind", "worklog_kind", "author", "body")
    related = ("author",)


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("created_at", "kind", "actor", "old", "new", "reason")
    related = ("actor",)


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ("created_at", "kind", "team", "assignee", "previous_assignee", "actor", "reason")
    related = ("team", "assignee", "previous_assignee", "actor")


class AttachmentInline(ReadOnlyInline):
    # The file itself is private: it is served only by the permission-checked download view.
    model = Attachment
    fields = ("created_at", "original_name", "content_type", "size", "internal", "uploaded_by")
    related = ("uploaded_by",)


class CorrectionInline(ReadOnlyInline):
    model = ClassificationCorrection
    fields = ("created_at", "suggested", "chosen", "keywords", "actor")
    related = ("suggested", "chosen", "actor")


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    """Read-mostly. Tickets are registered and moved through their lifecycle by the services;
    here only the descriptive fields can be corrected, and that too goes through
    `ticket_update`."""

    list_display = (
        "number",
        "title",
        "status",
        "priority",
        "organization",
        "category_label",
        "team",
        "assignee",
        "created_at",
    )
    list_filter = (
        "status",
        TicketPriorityFilter,
        TicketCategoryFilter,
        "channel",
        "request_type",
        "team",
    )
    list_select_related = ("organization", "priority", "category__parent", "team", "assignee")
    search_fields = ("number", "title")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("number", "title", "status", "channel", "request_type")}),
        (
            _("Customer"),
            {
                "fields": (
                    "organization",
                    "contact",
                    "contact_name",
                    "contact_phone",
                    "contact_email",
                    "cc_emails",
                )
            },
        ),
        (
            _("Problem"),
            {
                "fields": (
                    "description",
                    "product_line",
                    "product",
                    "product_version",
                    "device_model",
                    "steps_to_reproduce",
                    "error_message",
                    "impact_scope",
                )
            },
        ),
        (
            _("Classification and priority"),
            {
                "fields": (
                    "impact",
                    "urgency",
                    "priority",
                    "category",
                    "secondary_categories",
                    "suggested_category",
                    "matched_keyword_list",
                    "tags",
                    "classified_at",
                )
            },
        ),
        (
            _("Dispatch"),
            {"fields": ("team", "assignee", "assigned_at", "created_by", "followers")},
        ),
        (
            _("Times"),
            {
                "fields": (
                    "occurred_at",
                    "received_at",
                    "created_at",
                    "registration_lag",
                    "first_response_at",
                    "resolved_at",
                    "closed_at",
                    "reopen_count",
                    "updated_at",
                )
            },
        ),
    )
    inlines = (MessageInline, EventInline, AssignmentInline, AttachmentInline, CorrectionInline)

    def get_readonly_fields(self, request: HttpRequest, obj: Ticket | None = None):
        shown = [f for _name, opts in self.fieldsets for f in opts["fields"]]
        return [f for f in shown if f not in EDITABLE_FIELDS]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tickets are registered through the services (portal, UI, API, email)

    def has_delete_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        return False  # closed tickets are archived, never deleted: numbers and audit stay

    def has_change_permission(self, request: HttpRequest, obj: Ticket | None = None) -> bool:
        if obj is not None and obj.status == Status.ARCHIVED:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description=_("category"), ordering="category__name")
    def category_label(self, obj: Ticket) -> str:
        return obj.category.full_label if obj.category else "-"

    @admin.display(description=_("matched keywords"))
    def matched_keyword_list(self, obj: Ticket) -> str:
        return ", ".join(m.keyword.phrase for m in obj.keyword_matches.select_related("keyword"))

    def save_model(self, request: HttpRequest, obj: Ticket, form, change: bool) -> None:
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in EDITABLE_FIELDS}
        if changes:
            ticket_update(
                ticket_id=obj.pk,
                actor=request.user,
                changes=changes,
                reason=str(_("edited in the admin")),
            )

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        # The service refuses what the process forbids; the admin's transaction is rolled back
        # and the refusal is shown as a message instead of an error page.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "ticket", "kind", "actor", "old", "new", "reason")
    list_filter = ("kind",)
    list_select_related = ("ticket", "actor")
    search_fields = ("=ticket__number",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = (
        "created_at",
        "ticket",
        "kind",
        "team",
        "assignee",
        "previous_assignee",
        "actor",
    )
    list_filter = ("kind", "team")
    list_select_related = ("ticket", "team", "assignee", "previous_assignee", "actor")
    search_fields = ("=ticket__number",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False


class DecisionFilter(admin.SimpleListFilter):
    title = _("decision")
    parameter_name = "decision"

    def lookups(self, request, model_admin):
        return [("confirmed", _("suggestion confirmed")), ("corrected", _("suggestion corrected"))]

    def queryset(self, request, queryset):
        same = Q(suggested_id=F("chosen_id"))
        if self.value() == "confirmed":
            return queryset.filter(same)
        if self.value() == "corrected":
            return queryset.exclude(same)
        return queryset


@admin.register(ClassificationCorrection)
class ClassificationCorrectionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "ticket", "suggested", "chosen", "was_correct", "actor")
    list_filter = (DecisionFilter, ("chosen", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("ticket", "suggested", "chosen", "actor")
    search_fields = ("=ticket__number",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False

    @admin.display(description=_("suggestion kept"), boolean=True)
    def was_correct(self, obj: ClassificationCorrection) -> bool:
        return obj.was_correct
