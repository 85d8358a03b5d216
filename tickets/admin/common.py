"""Helpers shared by the ticket core's admin modules."""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html


def changelist_link(model: type, query: str, text: object) -> str:
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, query, text)


class ReadOnlyMixin:
    """Audit data: the admin shows it and never adds, changes or deletes it."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
