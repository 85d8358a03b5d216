"""The ticket and everything recorded on it (PROCESS §2, §3, §6, §7)."""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from .catalog import Category, Impact, Keyword, PriorityLevel, Tag, Urgency
from .people import Organization, ProductLine, Team


class Status(models.TextChoices):
    NEW = "new", _("new")
    ASSIGNED = "assigned", _("assigned")
    IN_PROGRESS = "in_progress", _("in progress")
    WAITING_CUSTOMER = "waiting_customer", _("waiting for customer")
    WAITING_THIRD_PARTY = "waiting_third_party", _("waiting for third party")
    TESTING = "testing", _("testing")
    RESOLVED = "resolved", _("resolved, awaiting verification")
    CLOSED = "closed", _("closed")
    ARCHIVED = "archived", _("archived")


class CustomerStatus(models.TextChoices):
    """What a customer sees of the lifecycle: our internal steps (dispatch, testing, waiting
    for a supplier) are not theirs to follow. The mapping is `workflow.CUSTOMER_VIEW`."""

    RECEIVED = "received", pgettext_lazy("status shown to customers", "received")
    IN_PROGRESS = "in_progress", pgettext_lazy("status shown to customers", "in progress")
    WAITING_YOU = "waiting_you", pgettext_lazy("status shown to customers", "waiting for you")
    RESOLVED = "resolved", pgettext_lazy("status shown to customers", "resolved, please confirm")
    CLOSED = "closed", pgettext_lazy("status shown to customers", "closed")


class Channel(models.TextChoices):
    PORTAL = "portal", _("web portal")
    API = "api", _("API")
    EMAIL = "email", _("email")
    PHONE = "phone", _("phone")
    HOTLINE = "hotline", _("hotline")
    IM = "im", _("instant messaging")
    CHAT = "chat", _("online chat")


def _is_loaded(instance: models.Model, name: str) -> bool:
    """Whether a foreign key's object is already in memory (reading it costs no query)."""
    return instance._meta.get_field(name).is_cached(instance)


class RequestType(models.TextChoices):
    FAULT = "fault", _("fault recovery")
    HOWTO = "howto", _("how-to question")
    REQUIREMENT = "requirement", _("feature request")


class TicketSequence(models.Model):
    """Last number issued per day key (`TS-20261121`); only ever incremented."""

    key = models.CharField(_("number prefix"), max_length=20, primary_key=True)
    last = models.PositiveIntegerField(_("last number issued"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class Ticket(models.Model):
    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description (symptom)"))
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.NEW
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    request_type = models.CharField(
        _("request type"), max_length=16, choices=RequestType.choices, default=RequestType.FAULT
    )

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_tickets",
    )
    contact_name = models.CharField(_("contact name"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    product = models.CharField(_("software / product"), max_length=100, blank=True)
    product_version = models.CharField(_("version"), max_length=60, blank=True)
    device_model = models.CharField(_("device model"), max_length=100, blank=True)
    steps_to_reproduce = models.TextField(_("steps to reproduce"), blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    impact_scope = models.CharField(_("scope of impact (details)"), max_length=200, blank=True)

    occurred_at = models.DateTimeField(_("problem occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("request received at"))
    created_at = models.DateTimeField(_("registered at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    registration_lag = models.DurationField(_("registration lag"), default=timezone.timedelta)

    impact = models.CharField(
        _("impact"), max_length=20, choices=Impact.choices, default=Impact.ONE_USER
    )
    urgency = models.CharField(
        _("urgency"), max_length=20, choices=Urgency.choices, default=Urgency.MEDIUM
    )
    priority = models.ForeignKey(
        PriorityLevel,
        verbose_name=_("priority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    priority_rank = models.PositiveSmallIntegerField(_("priority rank"), default=9)

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    secondary_categories = models.ManyToManyField(
        Category, verbose_name=_("secondary categories"), blank=True, related_name="+"
    )
    suggested_category = models.ForeignKey(
        Category,
        verbose_name=_("suggested category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    classified_at = models.DateTimeField(_("classification confirmed at"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="tickets")
    matched_keywords = models.ManyToManyField(
        Keyword,
        verbose_name=_("matched keywords"),
        through="TicketKeywordMatch",
        blank=True,
        related_name="+",
    )

    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    followers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("followers"), blank=True, related_name="followed"
    )
    cc_emails = models.CharField(_("CC emails"), max_length=500, blank=True)

    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopened"), default=0)
    # Nearest open SLA deadline and its warning time, kept by sla.services for sorting and badges.
    sla_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    sla_warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "sla_due_at", "sla_warn_at"])

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        permissions = [
            ("view_all_tickets", _("Can see every organization's tickets")),
            ("work_on_ticket", _("Can work on tickets (reply, note, transition)")),
            ("assign_ticket", _("Can dispatch and reassign tickets")),
            ("classify_ticket", _("Can confirm or correct classification and priority")),
            ("register_ticket", _("Can register tickets for customers")),
            ("view_internal", _("Can read internal notes and the work log")),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="tkt_status_created"),
            models.Index(fields=["assignee", "-created_at"], name="tkt_assignee_created"),
            models.Index(fields=["team", "-created_at"], name="tkt_team_created"),
            models.Index(fields=["organization", "-created_at"], name="tkt_org_created"),
            models.Index(fields=["priority_rank", "-created_at"], name="tkt_rank_created"),
            models.Index(
                fields=["sla_due_at"],
                name="tkt_sla_due",
                condition=models.Q(sla_due_at__isnull=False),
            ),
            # Routing counts each candidate's open tickets; this keeps it off the closed ones.
            models.Index(
                fields=["assignee"],
                name="tkt_open_assignee",
                condition=~models.Q(status__in=["closed", "archived"]),
            ),
            models.Index(
                fields=["-created_at"],
                name="tkt_unassigned_open",
                condition=models.Q(assignee__isnull=True)
                & ~models.Q(status__in=["closed", "archived"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("tickets:detail", kwargs={"number": self.number})

    @property
    def is_open(self) -> bool:
        return self.status not in (Status.CLOSED, Status.ARCHIVED)


class TicketKeywordMatch(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="keyword_matches"
    )
    keyword = models.ForeignKey(
        Keyword, verbose_name=_("keyword"), on_delete=models.CASCADE, related_name="matches"
    )

    class Meta:
        verbose_name = _("keyword match")
        verbose_name_plural = _("keyword matches")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "keyword"], name="uniq_ticket_keyword")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ~ {self.keyword_id}"


class ClassificationCorrection(models.Model):
    """An agent's decision on a suggested classification: the data the classifier learns from."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="corrections"
    )
    suggested = models.ForeignKey(
        Category,
        verbose_name=_("suggested category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    chosen = models.ForeignKey(
        Category, verbose_name=_("chosen category"), on_delete=models.PROTECT, related_name="+"
    )
    keywords = models.JSONField(_("matched keywords"), default=list, blank=True)
    text = models.TextField(_("ticket text"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        verbose_name = _("classification decision")
        verbose_name_plural = _("classification decisions")

    def __str__(self) -> str:
        ticket = self.ticket.number if _is_loaded(self, "ticket") else f"#{self.ticket_id}"
        return _("classification of ticket %(ticket)s: %(suggested)s → %(chosen)s") % {
            "ticket": ticket,
            "suggested": self._category_text("suggested"),
            "chosen": self._category_text("chosen"),
        }

    def _category_text(self, name: str) -> str:
        """The category's label when it is loaded already (admin lists select it), else its id."""
        category_id = getattr(self, f"{name}_id")
        if category_id is None:
            return str(_("no suggestion"))
        if _is_loaded(self, name):
            return getattr(self, name).label
        return f"#{category_id}"

    @property
    def was_correct(self) -> bool:
        return self.suggested_id == self.chosen_id


class MessageKind(models.TextChoices):
    REPLY = "reply", _("reply to customer")
    NOTE = "note", _("internal note")
    WORKLOG = "worklog", _("work log")


class WorkLogKind(models.TextChoices):
    ASK = "ask", _("ask: reproduction details")
    LOOK = "look", _("look: logs and error messages")
    TEST = "test", _("test: tests performed")


class Message(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    worklog_kind = models.CharField(
        _("work log kind"), max_length=10, choices=WorkLogKind.choices, blank=True
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="msg_ticket_created")]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"

    @property
    def is_public(self) -> bool:
        return self.kind == MessageKind.REPLY


class TicketEvent(models.Model):
    """Append-only timeline: who did what, when, from what to what and why."""

    class Kind(models.TextChoices):
        CREATED = "created", _("registered")
        STATUS = "status", _("status changed")
        REOPENED = "reopened", _("reopened")
        ASSIGNED = "assigned", _("assigned")
        HANDED_BACK = "handed_back", _("handed back")
        CLASSIFIED = "classified", _("classification confirmed")
        PRIORITY = "priority", _("priority changed")
        FOLLOWER = "follower", _("followers changed")
        ATTACHMENT = "attachment", _("attachment added")
        SELF_TESTED = "self_tested", _("self-tested")
        VERIFIED = "verified", _("verified by the customer")
        CHANGE_CREATED = "change_created", _("change approval drafted")
        CHANGE_EDITED = "change_edited", _("change approval edited")
        CHANGE_SIGNED = "change_signed", _("change approval signed")
        CHANGE_REJECTED = "change_rejected", _("change approval rejected")
        CHANGE_STEP = "change_step", _("change step executed")
        CHANGE_FINISHED = "change_finished", _("change finished")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    old = models.CharField(_("old value"), max_length=200, blank=True)
    new = models.CharField(_("new value"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="evt_ticket_created")]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        kind = self.get_kind_display()
        old, new = self._value_label(self.old), self._value_label(self.new)
        change = f"{old} → {new}" if old and new else new or old
        if not change:
            return str(kind)
        return _("%(kind)s: %(change)s") % {"kind": kind, "change": change}

    def _value_label(self, value: str) -> str:
        """A status or channel code as its label; names and other values as they are."""
        choices = {
            self.Kind.STATUS: Status,
            self.Kind.REOPENED: Status,
            self.Kind.CREATED: Channel,
        }.get(self.kind)
        if not value or choices is None:
            return value
        try:
            return str(choices(value).label)
        except ValueError:
            return value


class Assignment(models.Model):
    """Every dispatch, reassignment and hand-back (PROCESS §5)."""

    class Kind(models.TextChoices):
        AUTO = "auto", _("automatic")
        MANUAL = "manual", _("manual")
        HANDBACK = "handback", _("handed back")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="assignments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    previous_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("previous assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="asg_ticket_created")]
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()} → {self.assignee_id or '—'}"


class _PrivateStorage(LazyObject):
    def _setup(self) -> None:
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


private_storage = _PrivateStorage()


def get_private_storage() -> _PrivateStorage:
    """A callable, so migrations record a reference instead of this checkout's absolute path."""
    return private_storage


def attachment_path(instance: "Attachment", filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()[:10]
    now = timezone.now()
    return f"{now:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(
        _("file"), storage=get_private_storage, upload_to=attachment_path, max_length=200
    )
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    internal = models.BooleanField(_("internal"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name
