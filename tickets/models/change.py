"""Change approvals (变更操作审批单, PROCESS §9): attached to an approved solution plan before a
customer environment is touched. Both the customer's responsible person and our supervisor sign
the exact version of the form; editing it bumps the version and voids earlier signatures.
Signature and execution-step rows are the audit trail: never edited."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .resolution import SolutionPlan

_USER = settings.AUTH_USER_MODEL


class ChangeApproval(models.Model):
    class Environment(models.TextChoices):
        PRODUCTION = "production", _("production")
        TEST = "test", _("test")

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("succeeded")
        ROLLED_BACK = "rolled_back", _("rolled back")
        FAILED = "failed", _("failed")

    plan = models.ForeignKey(
        SolutionPlan,
        verbose_name=_("solution plan"),
        on_delete=models.CASCADE,
        related_name="change_approvals",
    )
    environment = models.CharField(_("environment"), max_length=12, choices=Environment.choices)
    window_start = models.DateTimeField(_("change window start"))
    window_end = models.DateTimeField(_("change window end"))
    backup_what = models.TextField(_("backed up data and configuration"))
    backup_where = models.CharField(_("backup location"), max_length=300)
    backup_by = models.CharField(_("backup made by"), max_length=150)
    backup_at = models.DateTimeField(_("backup made at"))
    test_verification = models.TextField(_("verification in the test environment"), blank=True)
    risk = models.TextField(_("risk"))
    rollback = models.TextField(_("rollback"))
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        _USER, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("note on the outcome"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("change approval")
        verbose_name_plural = _("change approvals")

    def __str__(self) -> str:
        return f"{self.plan.ticket_id} v{self.version}"

    @property
    def finished(self) -> bool:
        return bool(self.outcome)

    def current_signatures(self) -> list["ChangeSignature"]:
        """The approving signatures given on the current version (rejections excluded)."""
        return [
            s
            for s in self.signatures.all()
            if s.version == self.version and s.decision == ChangeSignature.Decision.APPROVED
        ]

    def current_rejections(self) -> list["ChangeSignature"]:
        return [
            s
            for s in self.signatures.all()
            if s.version == self.version and s.decision == ChangeSignature.Decision.REJECTED
        ]

    def signed_by_role(self, role: str) -> bool:
        return any(s.role == role for s in self.current_signatures())

    def decided_by_role(self, role: str) -> bool:
        """The role has signed or rejected the current version (one decision per version)."""
        return any(s.role == role and s.version == self.version for s in self.signatures.all())


class ChangeSignature(models.Model):
    """One decision on one version of a change approval (append-only): a signature that
    approves it, or a rejection with its reason. Each role decides once per version; after a
    rejection the engineer edits the form, which makes a new version to decide on."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("signed (approved)")
        REJECTED = "rejected", _("rejected")

    class Role(models.TextChoices):
        CUSTOMER = "customer", _("customer's responsible person")
        SUPERVISOR = "supervisor", _("supervisor")

    class Via(models.TextChoices):
        PORTAL = "portal", _("customer portal")
        EMAIL_LINK = "email_link", _("signed email link")
        UI = "ui", _("engineer UI")
        API = "api", _("REST API")

    approval = models.ForeignKey(
        ChangeApproval,
        verbose_name=_("change approval"),
        on_delete=models.CASCADE,
        related_name="signatures",
    )
    version = models.PositiveIntegerField(_("version signed"))
    signer = models.ForeignKey(
        _USER, verbose_name=_("signer"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("signed as"), max_length=12, choices=Role.choices)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    via = models.CharField(_("signed through"), max_length=12, choices=Via.choices)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.APPROVED
    )
    reason = models.TextField(_("reason for the rejection"), blank=True)

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("change signature")
        verbose_name_plural = _("change signatures")
        constraints = [
            models.UniqueConstraint(
                fields=["approval", "version", "role"], name="uniq_change_signature_role"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.approval_id} v{self.version} {self.get_role_display()} "
            f"{self.get_decision_display()}"
        )


class ChangeExecutionStep(models.Model):
    """One executed step: when, what, the value before and after, who (append-only)."""

    approval = models.ForeignKey(
        ChangeApproval,
        verbose_name=_("change approval"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    at = models.DateTimeField(_("executed at"), default=timezone.now)
    step = models.TextField(_("step"))
    before = models.TextField(_("value before"), blank=True)
    after = models.TextField(_("value after"), blank=True)
    actor = models.ForeignKey(
        _USER, verbose_name=_("executed by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("change execution step")
        verbose_name_plural = _("change execution steps")

    def __str__(self) -> str:
        return self.step[:60]
