"""Admin of the quality app: preferences are configuration; surveys and answers are audit data
(read-only); follow-ups and revisits are shown with their outcome (changed through the UI/API,
where the services record who did what)."""

from django.contrib import admin
from django.http import HttpRequest

from tickets.admin import ReadOnlyMixin

from .models import (
    ContactPreference,
    FollowUp,
    OrganizationPreference,
    Revisit,
    Survey,
    SurveyAnswer,
)


@admin.register(ContactPreference)
class ContactPreferenceAdmin(admin.ModelAdmin):
    list_display = ["contact", "daily_digest"]
    list_filter = ["daily_digest"]
    search_fields = ["contact__username", "contact__email", "contact__display_name"]
    autocomplete_fields = ["contact"]


@admin.register(OrganizationPreference)
class OrganizationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["organization", "account_manager", "daily_digest"]
    list_filter = ["daily_digest"]
    search_fields = ["organization__name", "organization__code"]
    autocomplete_fields = ["organization", "account_manager"]


class AnswerInline(ReadOnlyMixin, admin.StackedInline):
    model = SurveyAnswer
    fk_name = "survey"
    extra = 0
    can_delete = False
    fields = ["resolution_score", "attitude_score", "speed_score", "comment", "dissatisfied"]
    readonly_fields = fields


@admin.register(Survey)
class SurveyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["ticket", "round", "email", "status", "skip_reason", "sent_at", "answered_at"]
    list_filter = ["status", "skip_reason"]
    search_fields = ["ticket__number", "email"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"
    inlines = [AnswerInline]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "ticket",
        "round",
        "resolution_score",
        "attitude_score",
        "speed_score",
        "dissatisfied",
        "created_at",
    ]
    list_filter = ["dissatisfied", "resolution_score", "attitude_score", "speed_score"]
    search_fields = ["ticket__number", "comment"]
    list_select_related = ["ticket"]
    date_hierarchy = "created_at"


class RevisitInline(admin.StackedInline):
    model = Revisit
    extra = 0
    can_delete = False
    fields = ["owner", "due_at", "reminded_at", "done_at", "problem_solved", "unmet_needs", "note"]
    readonly_fields = ["due_at", "reminded_at", "done_at", "problem_solved", "unmet_needs", "note"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """The owner may be changed here (a reassignment); the outcome only through the services."""

    list_display = ["ticket", "owner", "status", "due_at", "started_at", "closed_at"]
    list_filter = ["status"]
    search_fields = ["ticket__number", "cause", "remedy"]
    list_select_related = ["ticket", "owner"]
    autocomplete_fields = ["owner"]
    fields = [
        "ticket",
        "answer",
        "owner",
        "status",
        "due_at",
        "created_at",
        "started_at",
        "started_by",
        "cause",
        "remedy",
        "customer_message",
        "closed_at",
        "closed_by",
    ]
    readonly_fields = [f for f in fields if f != "owner"]
    inlines = [RevisitInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Revisit)
class RevisitAdmin(admin.ModelAdmin):
    list_display = ["ticket", "owner", "due_at", "done_at", "problem_solved"]
    list_filter = ["problem_solved"]
    search_fields = ["ticket__number", "unmet_needs", "note"]
    list_select_related = ["ticket", "owner"]
    autocomplete_fields = ["owner"]
    fields = [
        "ticket",
        "followup",
        "owner",
        "due_at",
        "reminded_at",
        "done_at",
        "done_by",
        "problem_solved",
        "unmet_needs",
        "note",
    ]
    readonly_fields = [f for f in fields if f != "owner"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
