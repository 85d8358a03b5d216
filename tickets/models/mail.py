"""Email out (the outbox) and email in (mailboxes and every received message) — PROCESS §2, §10, §13."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .people import Organization
from .ticket import Message, Ticket


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    RETRY = "retry", _("waiting to retry")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")


class OutboundEmail(models.Model):
    """One email to one address for one event; (event_key, address) is unique, so an event is
    never mailed twice to the same person, however often the task runs."""

    event_key = models.CharField(_("event"), max_length=200)
    address = models.EmailField(_("address"), max_length=254)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbound_emails",
    )
    template = models.CharField(_("template"), max_length=100)
    language = models.CharField(_("language"), max_length=10)
    context = models.JSONField(_("template context"), default=dict, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=250, unique=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        constraints = [
            models.UniqueConstraint(fields=["event_key", "address"], name="uniq_outbound_event"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_due",
                condition=models.Q(status__in=["pending", "retry", "sending"]),
            ),
            models.Index(fields=["ticket", "created_at"], name="outbound_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.address}"


class UnknownSender(models.TextChoices):
    REJECT = "reject", _("reject the message")
    DOMAIN = "domain", _("create the contact in the organization of the sender's domain")
    DEFAULT_ORG = "default_org", _("create the contact in the default organization")


class Mailbox(models.Model):
    """An IMAP mailbox polled for new messages; configured by administrators."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    host = models.CharField(_("IMAP host"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    use_ssl = models.BooleanField(_("use SSL"), default=True)
    username = models.CharField(_("user name"), max_length=200)
    password = models.CharField(_("password"), max_length=200, blank=True)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    unknown_sender = models.CharField(
        _("unknown senders"),
        max_length=20,
        choices=UnknownSender.choices,
        default=UnknownSender.DOMAIN,
        help_text=_("What to do with mail from an address that is not a known contact."),
    )
    default_organization = models.ForeignKey(
        Organization,
        verbose_name=_("default organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Where new contacts go when no organization matches (or always, by rule)."),
    )
    active = models.BooleanField(_("active"), default=True)
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    polling_since = models.DateTimeField(_("being polled since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return self.name


class InboundEmail(models.Model):
    """Every received message with what became of it; the raw source is kept."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("received")
        TICKET = "ticket", _("opened a ticket")
        REPLY = "reply", _("added to a ticket")
        AUTO = "auto", _("ignored: automatic reply or bounce")
        REJECTED = "rejected", _("rejected: unknown sender")
        QUARANTINED = "quarantined", _("quarantined")

    mailbox = models.ForeignKey(
        Mailbox,
        verbose_name=_("mailbox"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    message_id = models.CharField(_("Message-ID"), max_length=250, blank=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    raw = models.BinaryField(_("raw source"))
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML (sanitised)"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_emails",
    )
    ticket_message = models.ForeignKey(
        Message,
        verbose_name=_("ticket message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("incoming email")
        verbose_name_plural = _("incoming emails")
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                name="uniq_inbound_message_id",
                condition=~models.Q(message_id=""),
            ),
        ]
        indexes = [models.Index(fields=["ticket", "received_at"], name="inbound_ticket")]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"
