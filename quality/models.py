"""Satisfaction surveys, dissatisfaction follow-ups and revisits (PROCESS §13), and the
per-contact and per-organization preferences of the progress updates (PROCESS §10)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Organization, Ticket

SCORE_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]


class Survey(models.Model):
    """One invitation per ticket round (round = reopen count + 1), created by the sweep."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        SENT = "sent", _("sent")
        SKIPPED = "skipped", _("not sent")
        ANSWERED = "answered", _("answered")

    class SkipReason(models.TextChoices):
        NO_ADDRESS = "no_address", _("the contact has no email address")
        RECENTLY_SURVEYED = "recent", _("the contact was surveyed recently")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="surveys"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    email = models.EmailField(_("email"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    skip_reason = models.CharField(
        _("why not sent"), max_length=12, choices=SkipReason.choices, blank=True
    )
    due_at = models.DateTimeField(_("to be sent at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "round"], name="uniq_survey_round"),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], name="survey_pending", condition=models.Q(status="pending")
            ),
            models.Index(fields=["email", "sent_at"], name="survey_email_sent"),
        ]

    def __str__(self) -> str:
        return _("survey #%(round)d of ticket %(ticket)s") % {
            "round": self.round,
            "ticket": self.ticket.number if self.ticket_id else "—",
        }


class SurveyAnswer(models.Model):
    """The customer's answer: three scores 1–5 and a comment. Never edited."""

    survey = models.OneToOneField(
        Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="answer"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="survey_answers"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    resolution_score = models.PositiveSmallIntegerField(
        _("resolution effect"), validators=SCORE_VALIDATORS
    )
    attitude_score = models.PositiveSmallIntegerField(
        _("service attitude"), validators=SCORE_VALIDATORS
    )
    speed_score = models.PositiveSmallIntegerField(_("response speed"), validators=SCORE_VALIDATORS)
    comment = models.TextField(_("comment"), blank=True)
    dissatisfied = models.BooleanField(_("dissatisfied"), default=False)
    created_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "round"], name="uniq_answer_round"),
            models.CheckConstraint(
                condition=models.Q(
                    resolution_score__gte=1,
                    resolution_score__lte=5,
                    attitude_score__gte=1,
                    attitude_score__lte=5,
                    speed_score__gte=1,
                    speed_score__lte=5,
                ),
                name="answer_scores_1_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.round}: {self.resolution_score}/{self.attitude_score}/{self.speed_score}"

    @property
    def scores(self) -> list[tuple[str, int]]:
        return [
            (str(_("resolution effect")), self.resolution_score),
            (str(_("service attitude")), self.attitude_score),
            (str(_("response speed")), self.speed_score),
        ]


class FollowUp(models.Model):
    """二次跟进: a dissatisfied answer's task for a supervisor or the account manager."""

    class Status(models.TextChoices):
        OPEN = "open", _("to start")
        STARTED = "started", _("in progress")
        CLOSED = "closed", _("closed")

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="followups"
    )
    answer = models.OneToOneField(
        SurveyAnswer,
        verbose_name=_("survey answer"),
        on_delete=models.CASCADE,
        related_name="followup",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_followups",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    due_at = models.DateTimeField(_("start by"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cause = models.TextField(_("cause of the dissatisfaction"), blank=True)
    remedy = models.TextField(_("remedy"), blank=True)
    customer_message = models.TextField(_("message to the customer"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("dissatisfaction follow-up")
        verbose_name_plural = _("dissatisfaction follow-ups")
        indexes = [
            models.Index(
                fields=["due_at"], name="followup_open", condition=~models.Q(status="closed")
            )
        ]

    def __str__(self) -> str:
        return _("follow-up of ticket %(ticket)s") % {
            "ticket": self.ticket.number if self.ticket_id else "—"
        }

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class Revisit(models.Model):
    """回访: 48 hours after a follow-up closes, confirm the problem stays solved."""

    followup = models.OneToOneField(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.CASCADE, related_name="revisit"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="revisits"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="quality_revisits",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("revisit at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    problem_solved = models.BooleanField(_("problem stays solved"), null=True, blank=True)
    unmet_needs = models.TextField(_("unmet needs"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("revisit")
        verbose_name_plural = _("revisits")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="revisit_unreminded",
                condition=models.Q(done_at__isnull=True, reminded_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return _("revisit of ticket %(ticket)s") % {
            "ticket": self.ticket.number if self.ticket_id else "—"
        }

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class ContactPreference(models.Model):
    """A customer contact's choices: the optional daily progress digest."""

    contact = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="quality_preference",
    )
    daily_digest = models.BooleanField(
        _("daily progress digest"),
        default=False,
        help_text=_("Email a summary of the open normal-priority tickets every working day."),
    )

    class Meta:
        verbose_name = _("contact preference")
        verbose_name_plural = _("contact preferences")

    def __str__(self) -> str:
        return str(self.contact)


class OrganizationPreference(models.Model):
    """Per customer organization: its account manager and the digest for all its contacts."""

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="quality_preference",
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_accounts",
        limit_choices_to={"organization__isnull": True},
        help_text=_("Owns the follow-ups of this organization's dissatisfied answers."),
    )
    daily_digest = models.BooleanField(_("daily progress digest for every contact"), default=False)

    class Meta:
        verbose_name = _("organization preference")
        verbose_name_plural = _("organization preferences")

    def __str__(self) -> str:
        return str(self.organization)
