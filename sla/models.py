"""Business calendars, SLA policies, and the clocks running on tickets (PROCESS §11)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tickets.models import Category, Channel, Organization, PriorityLevel, PriorityScheme, Ticket
from tickets.models.bilingual import BilingualName
from tickets.roles import Role


class Calendar(BilingualName):
    """Working time of a team: weekly slots, holidays and make-up working days (调休)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    tz = models.CharField(_("time zone"), max_length=60, default="Asia/Shanghai")
    always_open = models.BooleanField(
        _("24×7"), default=False, help_text=_("Every minute counts; slots and holidays ignored.")
    )
    china_holidays = models.BooleanField(
        _("China mainland holidays"),
        default=False,
        help_text=_("Public holidays and make-up working days from the holidays package."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"tz": _("Unknown time zone.")}) from None


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WorkingSlot(models.Model):
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="slots"
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("working slot")
        verbose_name_plural = _("working slots")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValidationError({"end": _("A slot must end after it starts.")})


class CalendarOverride(models.Model):
    """A date that is a holiday or a working day whatever the package or the weekday says."""

    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="overrides"
    )
    date = models.DateField(_("date"))
    is_working = models.BooleanField(
        _("working day"), help_text=_("Ticked: a (make-up) working day. Unticked: a holiday.")
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday or working-day override")
        verbose_name_plural = _("holiday and working-day overrides")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="uniq_calendar_override")
        ]

    def __str__(self) -> str:
        return f"{self.date} {'+' if self.is_working else '-'}"


class ClockKind(models.TextChoices):
    REGISTRATION = "registration", _("registration")
    SUPPLEMENT = "supplement", _("supplement request")
    CLASSIFICATION = "classification", _("classification")
    DISPATCH = "dispatch", _("dispatch")
    HANDBACK = "handback", _("hand-back")
    FIRST_RESPONSE = "first_response", _("first response")
    UPDATE = "update", _("progress update")
    RESOLUTION = "resolution", _("resolution")
    ESCALATION_RESPONSE = "escalation_response", _("escalation response")
    PLAN_SUBMISSION = "plan_submission", _("plan submission")
    CLOSE_AFTER_VERIFICATION = "close_after_verification", _("close after verification")
    ARCHIVE = "archive", _("archive")
    SURVEY = "survey", _("satisfaction survey")
    FOLLOWUP = "followup", _("dissatisfaction follow-up")
    RECTIFICATION = "rectification", _("QA rectification")
    REQUIREMENT_EVALUATION = "requirement_evaluation", _("requirement evaluation")
    ACKNOWLEDGEMENT = "acknowledgement", _("supervisor acknowledgement")


class ClockDefinition(BilingualName):
    """When a clock starts, stops, is cancelled or pauses: data, not code.

    Events are names such as `registered`, `classified`, `assigned`, `first_response`,
    `public_reply`, `worklog`, `handed_back`, `reopened` and `status:<status>`.
    """

    code = models.CharField(_("code"), max_length=40, unique=True, choices=ClockKind.choices)
    start_events = models.JSONField(_("start events"), default=list)
    stop_events = models.JSONField(_("stop events"), default=list)
    cancel_events = models.JSONField(_("cancel events"), default=list, blank=True)
    pause_statuses = models.JSONField(_("paused while in status"), default=list, blank=True)
    recurring = models.BooleanField(
        _("recurring"), default=False, help_text=_("Starts again after each stop (update cadence).")
    )
    escalates = models.BooleanField(_("escalates on breach"), default=True)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive clocks are defined but not started (their workflow step is off)."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("clock definition")
        verbose_name_plural = _("clock definitions")


class TargetUnit(models.TextChoices):
    BUSINESS_MINUTES = "business_minutes", _("business minutes")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_MINUTES = "calendar_minutes", _("calendar minutes (24×7)")


class SlaPolicy(BilingualName):
    """Calendar, priority scheme and targets; chosen per ticket by ordered conditions."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    calendar = models.ForeignKey(Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT)
    priority_scheme = models.ForeignKey(
        PriorityScheme, verbose_name=_("priority scheme"), on_delete=models.PROTECT
    )
    is_default = models.BooleanField(_("default policy"), default=False)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=100)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("only for organization"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("only for category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("A main category also matches its sub-categories."),
    )
    channel = models.CharField(
        _("only for channel"), max_length=16, choices=Channel.choices, blank=True
    )
    warn_minutes = models.PositiveIntegerField(
        _("warn minutes before the deadline"), default=60, help_text=_("In business minutes.")
    )
    warn_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format
        _("or warn at % of the target"),
        null=True,
        blank=True,
        help_text=_("If set, warn when this share of the target has elapsed (the earlier wins)."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_sla_policy",
            )
        ]


class SlaTarget(models.Model):
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.CASCADE, related_name="targets"
    )
    clock = models.ForeignKey(
        ClockDefinition, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="+"
    )
    level = models.ForeignKey(
        PriorityLevel,
        verbose_name=_("priority level"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: every level without a target of its own."),
    )
    amount = models.PositiveIntegerField(_("target"))
    unit = models.CharField(
        _("unit"), max_length=20, choices=TargetUnit.choices, default=TargetUnit.BUSINESS_MINUTES
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "clock__position", "level__rank"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "clock", "level"], name="uniq_target_per_level"
            ),
            models.UniqueConstraint(
                fields=["policy", "clock"],
                condition=models.Q(level__isnull=True),
                name="uniq_target_any_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clock} {self.level or '*'}: {self.amount} {self.get_unit_display()}"

    def clean(self) -> None:
        if (
            self.level_id
            and self.policy_id
            and self.level.scheme_id != self.policy.priority_scheme_id
        ):
            raise ValidationError({"level": _("The level must belong to the policy's scheme.")})


class EscalationStep(models.Model):
    """Who is told when a clock is breached, and how long after the breach (in business time)."""

    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        on_delete=models.CASCADE,
        related_name="escalations",
    )
    level = models.PositiveSmallIntegerField(_("escalation level"))
    after_minutes = models.PositiveIntegerField(
        _("minutes after the breach"), default=0, help_text=_("Business minutes.")
    )
    notify_team_lead = models.BooleanField(_("notify the team lead"), default=False)
    notify_role = models.CharField(
        _("notify everyone with role"), max_length=30, choices=Role.choices, blank=True
    )
    notify_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("notify user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "level"]
        verbose_name = _("escalation step")
        verbose_name_plural = _("escalation chain")
        constraints = [
            models.UniqueConstraint(fields=["policy", "level"], name="uniq_escalation_level")
        ]

    def __str__(self) -> str:
        return f"L{self.level} +{self.after_minutes}′"


class ClockState(models.TextChoices):
    RUNNING = "running", _("running")
    PAUSED = "paused", _("paused")
    MET = "met", _("met")
    BREACHED = "breached", _("breached")
    CANCELLED = "cancelled", _("cancelled")


class SupervisorTask(models.Model):
    """A warning or escalation a supervisor must acknowledge (itself measured by a clock)."""

    class Kind(models.TextChoices):
        WARNING = "warning", _("deadline warning")
        ESCALATION = "escalation", _("escalation")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="sla_tasks"
    )
    source_clock = models.ForeignKey(
        "TicketClock", verbose_name=_("clock"), on_delete=models.CASCADE, related_name="tasks"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("supervisor"),
        on_delete=models.CASCADE,
        related_name="sla_tasks",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("supervisor task")
        verbose_name_plural = _("supervisor tasks")
        indexes = [
            models.Index(
                fields=["assignee", "-created_at"],
                name="slatask_open",
                condition=models.Q(acknowledged_at__isnull=True),
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source_clock", "kind", "level", "assignee"], name="uniq_sla_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()} L{self.level} → {self.assignee_id}"


class TicketSla(models.Model):
    """The policy version a ticket is measured against, with a snapshot of its targets."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="sla"
    )
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="+"
    )
    policy_version = models.PositiveIntegerField(_("policy version"))
    snapshot = models.JSONField(_("targets snapshot"), default=dict)
    applied_at = models.DateTimeField(_("applied at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.policy_id} v{self.policy_version}"


class TicketClock(models.Model):
    """One clock on one ticket. `due_at` and `warn_at` are indexed for the sweep."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="clocks"
    )
    definition = models.ForeignKey(
        ClockDefinition,
        verbose_name=_("clock definition"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=ClockKind.choices)
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    policy = models.ForeignKey(
        SlaPolicy,
        verbose_name=_("SLA policy"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    policy_version = models.PositiveIntegerField(_("policy version"), default=1)
    calendar = models.ForeignKey(
        Calendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(
        SupervisorTask,
        verbose_name=_("supervisor task"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="clocks",
    )
    target_amount = models.PositiveIntegerField(_("target"))
    target_unit = models.CharField(_("unit"), max_length=20, choices=TargetUnit.choices)
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("deadline"), null=True, blank=True)
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=ClockState.choices, default=ClockState.RUNNING
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_minutes = models.FloatField(_("minutes paused"), default=0)
    remaining_minutes = models.FloatField(_("minutes left when paused"), null=True, blank=True)
    warned_at = models.DateTimeField(_("warned at"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached at"), null=True, blank=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation at"), null=True, blank=True)

    class Meta:
        ordering = ["ticket", "definition__position", "round"]
        verbose_name = _("ticket clock")
        verbose_name_plural = _("ticket clocks")
        indexes = [
            models.Index(fields=["ticket", "kind"], name="clock_ticket_kind"),
            models.Index(
                fields=["due_at"], name="clock_due_running", condition=models.Q(state="running")
            ),
            models.Index(
                fields=["warn_at"],
                name="clock_warn_pending",
                condition=models.Q(state="running", warned_at__isnull=True),
            ),
            models.Index(
                fields=["next_escalation_at"],
                name="clock_escalation_pending",
                condition=models.Q(state="breached", next_escalation_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.ticket_id} {self.get_kind_display()} #{self.round} {self.get_state_display()}"
        )

    @property
    def is_open(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.PAUSED) or (
            self.state == ClockState.BREACHED and self.stopped_at is None
        )


class ClockEvent(models.Model):
    """Append-only log that explains every deadline."""

    class Kind(models.TextChoices):
        STARTED = "started", _("started")
        PAUSED = "paused", _("paused")
        RESUMED = "resumed", _("resumed")
        WARNED = "warned", _("warned")
        ESCALATED = "escalated", _("escalated")
        BREACHED = "breached", _("breached")
        MET = "met", _("met")
        STOPPED = "stopped", _("stopped late")
        CANCELLED = "cancelled", _("cancelled")
        EXTENDED = "extended", _("extended")
        RECOMPUTED = "recomputed", _("recomputed")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")

    clock = models.ForeignKey(
        TicketClock, verbose_name=_("clock"), on_delete=models.CASCADE, related_name="events"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="clock_events"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("performed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    old_due = models.DateTimeField(_("previous deadline"), null=True, blank=True)
    new_due = models.DateTimeField(_("new deadline"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="clockevent_ticket_at")]
        verbose_name = _("clock event")
        verbose_name_plural = _("clock events")

    def __str__(self) -> str:
        return f"{self.clock_id} {self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"
