"""Knowledge base (PROCESS §14): articles, their links to tickets, search documents, case reviews,
root-cause reports and pitfall guides."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tickets.models import Category, Organization, Tag, Ticket

# Each search vector also holds its bucket, a lexeme naming its id divided by the bucket size
# ("~98"): a search ANDs the words with the newest buckets, so the index finds the newest
# matches of a common word without fetching all of them (see `knowledge.finder`).
ARTICLE_BUCKET = 1_000
TICKET_BUCKET = 10_000


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    IN_REVIEW = "in_review", _("in review")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("retired")


class Audience(models.TextChoices):
    INTERNAL = "internal", _("internal (our people)")
    PUBLIC = "public", _("public (customers too)")


class Article(models.Model):
    """A standardised document (标准化文档): symptom, diagnosis, solution, prevention."""

    title = models.CharField(_("title"), max_length=200)
    symptom = models.TextField(_("symptom"))
    diagnosis = models.TextField(_("diagnosis approach"), blank=True)
    solution = models.TextField(_("solution"))
    prevention = models.TextField(_("prevention advice"), blank=True)
    product = models.CharField(_("product"), max_length=100, blank=True)
    product_version = models.CharField(_("version"), max_length=60, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="articles")
    source_tickets = models.ManyToManyField(
        Ticket, verbose_name=_("source tickets"), blank=True, related_name="source_of_articles"
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.INTERNAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author (owner)"),
        on_delete=models.PROTECT,
        related_name="authored_articles",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reviewed_articles",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    reminded_for = models.DateField(
        _("owner reminded for the review due on"), null=True, blank=True, editable=False
    )
    # Space-joined segmented words of the text (jieba), the input of the search vector and of
    # the database-independent fallback search.
    search_tokens = models.TextField(_("search words"), blank=True, editable=False)
    search_vector = SearchVectorField(_("search vector"), null=True, blank=True, editable=False)

    SEARCH_BUCKET = ARTICLE_BUCKET

    history = HistoricalRecords(
        excluded_fields=["updated_at", "search_tokens", "search_vector", "reminded_for"],
        m2m_fields=[tags],
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [
            ("write_article", _("Can write and edit knowledge articles")),
            ("review_article", _("Can review and publish knowledge articles")),
            ("organize_case_review", _("Can organize case reviews and pitfall guides")),
        ]
        indexes = [
            models.Index(fields=["status", "audience"], name="kb_article_status"),
            models.Index(
                fields=["review_due"],
                name="kb_article_review_due",
                condition=models.Q(status="published"),
            ),
            models.Index(fields=["author", "published_at"], name="kb_article_author_pub"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("knowledge:detail", kwargs={"pk": self.pk})

    @property
    def is_public(self) -> bool:
        return self.audience == Audience.PUBLIC and self.status == ArticleStatus.PUBLISHED

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == ArticleStatus.PUBLISHED
            and self.review_due is not None
            and self.review_due < today
        )


class Relation(models.TextChoices):
    CREATED = "created", _("article created from this ticket")
    UPDATED = "updated", _("article updated from this ticket")
    REFERENCED = "referenced", _("article referenced")


class TicketArticle(models.Model):
    """An article tied to a ticket; closure (PROCESS §12) lists the created or updated ones."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="article_links"
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="ticket_links"
    )
    relation = models.CharField(_("relation"), max_length=12, choices=Relation.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("ticket–article link")
        verbose_name_plural = _("ticket–article links")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "article", "relation"], name="kb_uniq_ticket_article"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.relation} {self.article_id}"


class TicketSearchDoc(models.Model):
    """The searchable text of a resolved or closed ticket, kept here so tickets stay untouched."""

    ticket = models.OneToOneField(
        Ticket,
        verbose_name=_("ticket"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="search_doc",
    )
    title = models.CharField(_("title"), max_length=200)
    solution_excerpt = models.TextField(_("solution excerpt"), blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    product_version = models.CharField(_("version"), max_length=60, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    indexed_at = models.DateTimeField(_("indexed at"), default=timezone.now)
    search_tokens = models.TextField(_("search words"), blank=True)
    search_vector = SearchVectorField(_("search vector"), null=True, blank=True)

    SEARCH_BUCKET = TICKET_BUCKET

    class Meta:
        verbose_name = _("ticket search document")
        verbose_name_plural = _("ticket search documents")

    def __str__(self) -> str:
        return self.title

    @property
    def number(self) -> str:
        return self.ticket.number


class SuggestionClick(models.Model):
    """A suggested article opened from a ticket form; `token` identifies one form session."""

    token = models.UUIDField(_("form token"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="clicks"
    )
    clicked_at = models.DateTimeField(_("clicked at"), default=timezone.now)

    class Meta:
        ordering = ["-clicked_at"]
        verbose_name = _("suggestion click")
        verbose_name_plural = _("suggestion clicks")

    def __str__(self) -> str:
        return f"{self.token} → {self.article_id}"


class CaseReview(models.Model):
    """The monthly case review meeting (案例复盘会)."""

    month = models.DateField(_("month reviewed"), unique=True, help_text=_("First day of month."))
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organizer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)
    notes = models.TextField(_("meeting minutes"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("case review")
        verbose_name_plural = _("case reviews")

    def __str__(self) -> str:
        return self.month.strftime("%Y-%m")


class CaseReviewItem(models.Model):
    review = models.ForeignKey(
        CaseReview, verbose_name=_("case review"), on_delete=models.CASCADE, related_name="items"
    )
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    reasons = models.JSONField(_("why proposed"), default=list, blank=True)
    chosen = models.BooleanField(_("chosen"), default=False)
    article = models.ForeignKey(
        Article,
        verbose_name=_("resulting article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("case review candidate")
        verbose_name_plural = _("case review candidates")
        constraints = [
            models.UniqueConstraint(fields=["review", "ticket"], name="kb_uniq_review_ticket")
        ]

    def __str__(self) -> str:
        return f"{self.review} {self.ticket_id}"


class RootCauseReport(models.Model):
    """故障根因分析报告: written within 48 hours of a complex incident's resolution."""

    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="root_cause_reports",
    )
    title = models.CharField(_("title"), max_length=200)
    timeline = models.TextField(_("timeline"), blank=True)
    root_cause = models.TextField(_("root cause"))
    impact = models.TextField(_("impact"), blank=True)
    corrective_actions = models.TextField(_("corrective and preventive actions"))
    participants = models.CharField(_("participants"), max_length=300, blank=True)
    articles = models.ManyToManyField(
        Article, verbose_name=_("articles produced"), blank=True, related_name="root_cause_reports"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("root-cause report")
        verbose_name_plural = _("root-cause reports")

    def __str__(self) -> str:
        return self.title


class PitfallGuide(models.Model):
    """避坑指南: a curated set of articles for a frequent problem, mailed to customers."""

    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), blank=True)
    articles = models.ManyToManyField(
        Article, verbose_name=_("articles"), related_name="pitfall_guides"
    )
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("organizations"), blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sending requested at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pitfall guide")
        verbose_name_plural = _("pitfall guides")

    def __str__(self) -> str:
        return self.title


class PitfallDelivery(models.Model):
    """One guide to one contact, claimed once so the mail is never sent twice."""

    guide = models.ForeignKey(
        PitfallGuide,
        verbose_name=_("pitfall guide"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    email = models.EmailField(_("email"))
    created_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pitfall guide delivery")
        verbose_name_plural = _("pitfall guide deliveries")
        constraints = [
            models.UniqueConstraint(fields=["guide", "recipient"], name="kb_uniq_guide_recipient")
        ]

    def __str__(self) -> str:
        return f"{self.guide_id} → {self.email}"
