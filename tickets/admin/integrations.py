"""Admin of chat robots and webhook endpoints (configuration) and their deliveries (read-only)."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ..alerts.services import delivery_retry, robot_message_send
from ..models import (
    AlertKind,
    ChatRobot,
    DeliveryStatus,
    RobotMessage,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .common import ReadOnlyMixin


class ChatRobotForm(forms.ModelForm):
    webhook_url = forms.URLField(label=_("webhook URL"), max_length=500, assume_scheme="https")
    kinds = forms.MultipleChoiceField(
        label=_("alert kinds"),
        choices=AlertKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = ChatRobot
        fields = ("team", "name", "platform", "webhook_url", "secret", "kinds", "active")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("platform") == "wecom" and "key=" not in (data.get("webhook_url") or ""):
            self.add_error("webhook_url", _("A WeCom robot URL carries its key (…/send?key=…)."))
        return data


@admin.register(ChatRobot)
class ChatRobotAdmin(admin.ModelAdmin):
    form = ChatRobotForm
    list_display = ("name", "team", "platform", "active")
    list_filter = ("platform", "active", "team")
    actions = ["send_test"]

    @admin.action(description=_("Send a test message"))
    def send_test(self, request: HttpRequest, queryset: QuerySet[ChatRobot]) -> None:
        for robot in queryset:
            with transaction.atomic():
                row = RobotMessage.objects.create(
                    robot=robot,
                    kind=AlertKind.WARNING,
                    event_key=f"test:{robot.pk}:{uuid.uuid4().hex}",
                    payload={
                        "title": str(_("Helpdesk test message")),
                        "text": str(_("This robot is set up correctly.")),
                        "url": "",
                    },
                )
            robot_message_send(message_id=row.pk)
            row.refresh_from_db()
            if row.status == DeliveryStatus.SENT:
                self.message_user(request, _("%(r)s: delivered.") % {"r": robot}, messages.SUCCESS)
            else:
                self.message_user(request, f"{robot}: {row.last_error}", messages.ERROR)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("event types"),
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("name", "url", "secret", "events", "active")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "active")
    list_filter = ("active",)


class _DeliveryAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_filter = ("status",)
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    actions = ["retry"]

    @admin.action(description=_("Deliver the selected failed ones again"))
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        failed = list(queryset.filter(status=DeliveryStatus.FAILED).values_list("pk", flat=True))
        for pk in failed:
            delivery_retry(queryset.model, pk=pk)
        self.message_user(
            request,
            ngettext("%(n)d delivery queued again.", "%(n)d deliveries queued again.", len(failed))
            % {"n": len(failed)},
            messages.SUCCESS,
        )


@admin.register(RobotMessage)
class RobotMessageAdmin(_DeliveryAdmin):
    list_display = ("created_at", "robot", "kind", "ticket", "status", "attempts", "status_code")
    list_filter = ("status", "kind", "robot")
    list_select_related = ("robot__team", "ticket")
    search_fields = ("=ticket__number",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_DeliveryAdmin):
    list_display = ("created_at", "endpoint", "event", "status", "attempts", "status_code")
    list_filter = ("status", "event", "endpoint")
    list_select_related = ("endpoint",)
    search_fields = ("=delivery_id",)
