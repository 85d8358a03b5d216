"""Change approvals in the admin (PROCESS §9): read-only. Signatures and execution steps are the
audit trail; the form shows its full version history. Every write goes through the services."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from ..models import ChangeApproval, ChangeExecutionStep, ChangeSignature
from .common import ReadOnlyMixin


class SignatureInline(ReadOnlyMixin, admin.TabularInline):
    model = ChangeSignature
    extra = 0


class StepInline(ReadOnlyMixin, admin.TabularInline):
    model = ChangeExecutionStep
    extra = 0


@admin.register(ChangeApproval)
class ChangeApprovalAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("plan", "environment", "window_start", "window_end", "version", "outcome")
    list_filter = ("environment", "outcome")
    search_fields = ("plan__ticket__number",)
    list_select_related = ("plan",)
    inlines = [SignatureInline, StepInline]


@admin.register(ChangeSignature)
class ChangeSignatureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("approval", "version", "signer", "role", "decision", "via", "signed_at")
    list_filter = ("role", "decision", "via")
    list_select_related = ("approval", "signer")


@admin.register(ChangeExecutionStep)
class ChangeExecutionStepAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("approval", "at", "step", "actor")
    list_select_related = ("approval", "actor")
