"""Chat-robot alerts and generic outgoing webhooks, with a delivery row per attempt target."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .mail import DeliveryStatus
from .people import Team
from .ticket import Ticket


class AlertKind(models.TextChoices):
    URGENT_TICKET = "urgent_ticket", _("new urgent ticket")
    WARNING = "warning", _("SLA warning")
    BREACH = "breach", _("SLA breach")
    ESCALATION = "escalation", _("escalation")
    DISSATISFIED = "dissatisfied", _("dissatisfied customer")


class Platform(models.TextChoices):
    WECOM = "wecom", _("WeCom (企业微信)")
    DINGTALK = "dingtalk", _("DingTalk (钉钉)")
    FEISHU = "feishu", _("Feishu (飞书)")


def _all_kinds() -> list[str]:
    return list(AlertKind.values)


class ChatRobot(models.Model):
    """A group robot of a team's chat group; posts the alert kinds it subscribes to."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="chat_robots"
    )
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    webhook_url = models.URLField(_("webhook URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu signing secret; WeCom carries its key in the URL."),
    )
    kinds = models.JSONField(_("alert kinds"), default=_all_kinds, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["team", "name"]
        verbose_name = _("chat robot")
        verbose_name_plural = _("chat robots")

    def __str__(self) -> str:
        return f"{self.team}: {self.name}"


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("ticket registered")
    TICKET_STATUS = "ticket.status_changed", _("ticket status changed")
    TICKET_REPLY = "ticket.replied", _("public reply added")
    ALERT = "alert", _("alert raised")


def _all_events() -> list[str]:
    return list(WebhookEvent.values)


class WebhookEndpoint(models.Model):
    """An external system that receives ticket events as signed JSON POSTs."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("signing secret"), max_length=200, help_text=_("Shared secret of the HMAC signature.")
    )
    events = models.JSONField(_("event types"), default=_all_events, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    """What robot messages and webhook deliveries share: claim, attempts, backoff, outcome."""

    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True)
    event_key = models.CharField(_("event"), max_length=200)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_key} ({self.get_status_display()})"


class RobotMessage(Delivery):
    robot = models.ForeignKey(
        ChatRobot, verbose_name=_("chat robot"), on_delete=models.CASCADE, related_name="messages"
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("alert kind"), max_length=20, choices=AlertKind.choices)

    class Meta(Delivery.Meta):
        verbose_name = _("robot message")
        verbose_name_plural = _("robot messages")
        constraints = [
            models.UniqueConstraint(fields=["robot", "event_key"], name="uniq_robot_event"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="robotmsg_due",
                condition=models.Q(status__in=["pending", "retry", "sending"]),
            )
        ]


class WebhookDelivery(Delivery):
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("webhook endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.CharField(_("event type"), max_length=40, choices=WebhookEvent.choices)

    class Meta(Delivery.Meta):
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_key"], name="uniq_webhook_event"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_due",
                condition=models.Q(status__in=["pending", "retry", "sending"]),
            )
        ]
