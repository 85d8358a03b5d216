"""Diagnosis and resolution on a ticket (PROCESS §7, §8): tier escalation requests, temporary
workarounds, expert consultations (proposed on a stall, convened by a supervisor) and solution
plans with their reviews. Review and answer rows are the audit trail: never edited."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .ticket import Ticket

_USER = settings.AUTH_USER_MODEL


class EscalationRequest(models.Model):
    """L1 asks L2 to take over (升级申请); a supervisor or an expert accepts or declines."""

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="escalations"
    )
    requested_by = models.ForeignKey(
        _USER,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    problem = models.TextField(_("problem description"))
    tried = models.TextField(_("what was already tried"))
    resources = models.TextField(_("resources needed"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    answered_by = models.ForeignKey(
        _USER,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_reason = models.TextField(_("reason of the answer"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("escalation request")
        verbose_name_plural = _("escalation requests")
        permissions = [
            ("answer_escalation", _("Can accept or decline tier escalation requests")),
            ("convene_consultation", _("Can convene expert consultations")),
            ("review_plan", _("Can review solution plans")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(state="pending"),
                name="uniq_pending_escalation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_state_display()}"


class Workaround(models.Model):
    """A temporary workaround (临时解决方案: failover, degraded service) before the final fix."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="workarounds"
    )
    text = models.TextField(_("workaround"))
    created_by = models.ForeignKey(
        _USER, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    removed_by = models.ForeignKey(
        _USER,
        verbose_name=_("removed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removal_note = models.TextField(_("note on removal"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("temporary workaround")
        verbose_name_plural = _("temporary workarounds")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def in_place(self) -> bool:
        return self.removed_at is None


class Discipline(models.TextChoices):
    SUPPORT = "support", _("technical support")
    PRODUCT = "product", _("product")
    RND = "rnd", _("R&D")
    HARDWARE = "hardware", _("hardware")
    SOFTWARE = "software", _("software")
    NETWORK = "network", _("network")


class ConsultationProposal(models.Model):
    """The scheduled job's proposal to the supervisor: no progress for 2 business hours.
    One row per ticket and stall (the instant of the last progress), so exactly once."""

    class State(models.TextChoices):
        OPEN = "open", _("proposed")
        CONVENED = "convened", _("convened")

    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="consultation_proposals",
    )
    stalled_since = models.DateTimeField(_("no progress since"))
    proposed_at = models.DateTimeField(_("proposed at"), default=timezone.now)
    notified_at = models.DateTimeField(_("supervisor notified at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        verbose_name = _("consultation proposal")
        verbose_name_plural = _("consultation proposals")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "stalled_since"], name="uniq_stall_proposal")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.stalled_since:%Y-%m-%d %H:%M}"


class Consultation(models.Model):
    """An expert consultation (专家会诊) or the three-party one (support, product, R&D)."""

    class Kind(models.TextChoices):
        EXPERT = "expert", _("expert consultation")
        THREE_PARTY = "three_party", _("three-party consultation (support, product, R&D)")

    class State(models.TextChoices):
        OPEN = "open", _("in progress")
        CONCLUDED = "concluded", _("concluded")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="consultations"
    )
    proposal = models.OneToOneField(
        ConsultationProposal,
        verbose_name=_("proposal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consultation",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.EXPERT)
    topic = models.TextField(_("question to the experts"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    convened_by = models.ForeignKey(
        _USER, verbose_name=_("convened by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    convened_at = models.DateTimeField(_("convened at"), default=timezone.now)
    findings = models.TextField(_("findings"), blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    concluded_by = models.ForeignKey(
        _USER,
        verbose_name=_("concluded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-convened_at", "-id"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_kind_display()}"


class ConsultationParticipant(models.Model):
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("consultation"),
        on_delete=models.CASCADE,
        related_name="participants",
    )
    user = models.ForeignKey(
        _USER, verbose_name=_("participant"), on_delete=models.PROTECT, related_name="+"
    )
    discipline = models.CharField(_("discipline"), max_length=10, choices=Discipline.choices)

    class Meta:
        ordering = ["discipline", "id"]
        verbose_name = _("consultation participant")
        verbose_name_plural = _("consultation participants")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "user"], name="uniq_consultation_participant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.get_discipline_display()})"


class SolutionPlan(models.Model):
    """Root cause, ordered steps, verification standard and rollback plan (PROCESS §8).

    `steps` is a list of `{"action", "command", "risk"}` in execution order. `round` counts the
    submissions; approvals count within the current round only.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for review")
        REJECTED = "rejected", _("rejected, to be revised")
        APPROVED = "approved", _("approved")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="plans"
    )
    author = models.ForeignKey(
        _USER, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    root_cause = models.TextField(_("root cause"))
    steps = models.JSONField(_("steps"), default=list)
    verification = models.TextField(_("verification standard"))
    rollback = models.TextField(_("rollback plan"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    round = models.PositiveSmallIntegerField(_("review round"), default=0)
    required_approvals = models.PositiveSmallIntegerField(_("approvals required"), default=1)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("solution plan")
        verbose_name_plural = _("solution plans")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_state_display()}"

    @property
    def editable(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.REJECTED)


class PlanReview(models.Model):
    """One reviewer's decision on one round of a plan, bound to the version reviewed."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("approved")
        REJECT = "reject", _("rejected")

    plan = models.ForeignKey(
        SolutionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reviews"
    )
    round = models.PositiveSmallIntegerField(_("review round"))
    reviewer = models.ForeignKey(
        _USER, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("comments"), blank=True)
    version = models.PositiveIntegerField(_("plan version reviewed"))
    created_at = models.DateTimeField(_("reviewed at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "round", "reviewer"], name="uniq_plan_round_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} r{self.round} {self.get_decision_display()}"


class Requirement(models.Model):
    """A customer requirement (客户需求管理, PROCESS §17): numbered `RD-YYYYMMDD-NNN`, evaluated
    by a product manager within 3 working days; accepted ones end with a UAT result."""

    class Kind(models.TextChoices):
        OPTIMIZATION = "optimization", _("optimization of an existing feature")
        NEW_FEATURE = "new_feature", _("new feature")
        EXPERIENCE = "experience", _("experience improvement")

    class Priority(models.TextChoices):
        P0 = "P0", _("P0 urgent (core business)")
        P1 = "P1", _("P1 important")
        P2 = "P2", _("P2 normal")

    class State(models.TextChoices):
        EVALUATING = "evaluating", _("awaiting evaluation")
        EVALUATED = "evaluated", _("evaluated")
        DONE = "done", _("UAT recorded")

    class Conclusion(models.TextChoices):
        IMPLEMENTABLE = "implementable", _("implementable")
        NOT_NOW = "not_now", _("not implementable now")
        ADJUSTED = "adjusted", _("needs an adjusted plan")

    class Uat(models.TextChoices):
        PASSED = "passed", _("UAT passed")
        FAILED = "failed", _("UAT failed")

    number = models.CharField(_("number"), max_length=24, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    organization = models.ForeignKey(
        "tickets.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="requirements",
    )
    contact = models.ForeignKey(
        _USER,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("created from ticket"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    tickets = models.ManyToManyField(
        Ticket, verbose_name=_("linked tickets"), blank=True, related_name="requirements"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.EVALUATING
    )
    created_by = models.ForeignKey(
        _USER, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    evaluation_due_at = models.DateTimeField(_("evaluation due at"), null=True, blank=True)
    technology = models.TextField(_("technical feasibility"), blank=True)
    resources = models.TextField(_("resources"), blank=True)
    cost = models.TextField(_("cost"), blank=True)
    conclusion = models.CharField(
        _("conclusion"), max_length=16, choices=Conclusion.choices, blank=True
    )
    evaluated_by = models.ForeignKey(
        _USER,
        verbose_name=_("evaluated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    uat_result = models.CharField(_("UAT result"), max_length=8, choices=Uat.choices, blank=True)
    uat_note = models.TextField(_("UAT note"), blank=True)
    uat_by = models.ForeignKey(
        _USER,
        verbose_name=_("UAT recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uat_at = models.DateTimeField(_("UAT recorded at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer requirement")
        verbose_name_plural = _("customer requirements")
        permissions = [("evaluate_requirement", _("Can evaluate customer requirements"))]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("tickets:requirement", kwargs={"number": self.number})

    @property
    def accepted(self) -> bool:
        return self.conclusion in (self.Conclusion.IMPLEMENTABLE, self.Conclusion.ADJUSTED)
