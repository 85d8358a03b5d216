"""Verification and closure of a solved ticket (PROCESS §12): the engineer's self-test against
the plan's verification standard, the customer's verification, and the closure record that
closing a resolved ticket requires. Rows are the audit trail: never edited. `round` is the
ticket's `reopen_count` when the row was written, so each resolution round has its own rows."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .resolution import SolutionPlan
from .ticket import Ticket

_USER = settings.AUTH_USER_MODEL


class SelfTest(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="self_tests"
    )
    plan = models.ForeignKey(
        SolutionPlan,
        verbose_name=_("solution plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="self_tests",
    )
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    passed = models.BooleanField(_("passed"))
    notes = models.TextField(_("notes"))
    author = models.ForeignKey(
        _USER, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("self-test")
        verbose_name_plural = _("self-tests")

    def __str__(self) -> str:
        return f"{self.ticket_id} r{self.round} {'✓' if self.passed else '✗'}"


class Verification(models.Model):
    class Outcome(models.TextChoices):
        SOLVED = "solved", _("solved")
        NOT_SOLVED = "not_solved", _("not solved")

    class Via(models.TextChoices):
        PORTAL = "portal", _("customer portal")
        LINK = "link", _("email link")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="verifications"
    )
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices)
    comment = models.TextField(_("comment"), blank=True)
    via = models.CharField(_("via"), max_length=8, choices=Via.choices)
    user = models.ForeignKey(
        _USER,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("customer verification")
        verbose_name_plural = _("customer verifications")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "round"], name="tk_uniq_verification_round")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} r{self.round} {self.outcome}"


class ClosureRecord(models.Model):
    """What closing a resolved ticket requires: the process, the solution, the people involved
    and the knowledge articles created or updated (linked as TicketArticle rows), or a reason
    why there is no article."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="closures"
    )
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    summary = models.TextField(_("process summary"))
    solution = models.TextField(_("solution"))
    people = models.ManyToManyField(_USER, verbose_name=_("people involved"), related_name="+")
    no_article_reason = models.TextField(_("reason for no article"), blank=True)
    author = models.ForeignKey(
        _USER, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("closure record")
        verbose_name_plural = _("closure records")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "round"], name="tk_uniq_closure_round")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} r{self.round}"
