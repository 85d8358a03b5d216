"""The resolution workflow and customer requirements in the admin (PROCESS §7, §8, §17):
read-only. Escalation answers, plan
reviews, proposals and consultations are audit data; every change goes through the services,
which enforce who may do what. Plans show their full version history."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..models import (
    Consultation,
    ConsultationParticipant,
    ConsultationProposal,
    EscalationRequest,
    PlanReview,
    Requirement,
    SolutionPlan,
    Workaround,
)
from .common import ReadOnlyMixin


@admin.register(EscalationRequest)
class EscalationRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "state", "requested_by", "requested_at", "answered_by", "answered_at")
    list_filter = ("state",)
    search_fields = ("ticket__number", "problem")
    list_select_related = ("ticket", "requested_by", "answered_by")
    date_hierarchy = "requested_at"


@admin.register(Workaround)
class WorkaroundAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "__str__", "created_by", "created_at", "removed_at")
    search_fields = ("ticket__number", "text")
    list_select_related = ("ticket", "created_by")


@admin.register(ConsultationProposal)
class ConsultationProposalAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "stalled_since", "proposed_at", "notified_at", "state")
    list_filter = ("state",)
    search_fields = ("ticket__number",)
    list_select_related = ("ticket",)


class ParticipantInline(ReadOnlyMixin, admin.TabularInline):
    model = ConsultationParticipant
    extra = 0


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("ticket", "kind", "state", "convened_by", "convened_at", "concluded_at")
    list_filter = ("kind", "state")
    search_fields = ("ticket__number", "topic", "conclusion")
    list_select_related = ("ticket", "convened_by")
    inlines = [ParticipantInline]


class ReviewInline(ReadOnlyMixin, admin.TabularInline):
    model = PlanReview
    extra = 0


@admin.register(SolutionPlan)
class SolutionPlanAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("ticket", "state", "author", "round", "required_approvals", "submitted_at")
    list_filter = ("state",)
    search_fields = ("ticket__number", "root_cause")
    list_select_related = ("ticket", "author")
    inlines = [ReviewInline]


@admin.register(PlanReview)
class PlanReviewAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("plan", "round", "reviewer", "decision", "version", "created_at")
    list_filter = ("decision",)
    list_select_related = ("plan__ticket", "reviewer")


@admin.register(Requirement)
class RequirementAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("number", "title", "kind", "priority", "organization", "state", "conclusion")
    list_filter = ("state", "kind", "priority", "conclusion")
    search_fields = ("number", "title")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
