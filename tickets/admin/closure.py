"""Verification and closure in the admin (PROCESS §12): read-only audit data; every change goes
through `tickets.services.closure`, which enforces the rules."""

from django.contrib import admin

from ..models import ClosureRecord, SelfTest, Verification
from .common import ReadOnlyMixin


@admin.register(SelfTest)
class SelfTestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "round", "passed", "author", "created_at")
    list_filter = ("passed",)
    search_fields = ("ticket__number", "notes")
    list_select_related = ("ticket", "author")


@admin.register(Verification)
class VerificationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "round", "outcome", "via", "user", "created_at")
    list_filter = ("outcome", "via")
    search_fields = ("ticket__number", "comment")
    list_select_related = ("ticket", "user")


@admin.register(ClosureRecord)
class ClosureRecordAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "round", "author", "created_at")
    search_fields = ("ticket__number", "summary", "solution")
    list_select_related = ("ticket", "author")
