"""Classification, priority and routing configuration (PROCESS §4, §5)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .bilingual import BilingualName
from .people import ProductLine, Seniority, Team


class Category(BilingualName):
    """A two-level tree: main categories (大类) and their sub-categories (小类)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": _("A category cannot be its own parent.")})
            if self.parent and self.parent.parent_id is not None:
                raise ValidationError(
                    {"parent": _("Categories have two levels: the parent must be a main category.")}
                )
            if self.pk and self.children.exists():
                raise ValidationError(
                    {"parent": _("A main category with sub-categories cannot become a child.")}
                )

    @property
    def full_label(self) -> str:
        if self.parent_id:
            return f"{self.parent.label} / {self.label}"
        return self.label


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Keyword(models.Model):
    """Keyword library (问题关键词库): a phrase suggests a category and tags."""

    phrase = models.CharField(_("phrase"), max_length=100, unique=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="keywords"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    hit_count = models.PositiveIntegerField(_("hits"), default=0, editable=False)
    confirmed_count = models.PositiveIntegerField(_("confirmed"), default=0, editable=False)
    corrected_count = models.PositiveIntegerField(_("corrected"), default=0, editable=False)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(excluded_fields=["hit_count", "confirmed_count", "corrected_count"])

    class Meta:
        ordering = ["phrase"]
        verbose_name = _("keyword")
        verbose_name_plural = _("keywords")

    def __str__(self) -> str:
        return self.phrase


class Impact(models.TextChoices):
    CORE_BUSINESS = "core", _("core business")
    MANY_DEPARTMENTS = "many", _("several departments")
    ONE_DEPARTMENT = "department", _("one department")
    ONE_USER = "user", _("one user")


class Urgency(models.TextChoices):
    CRITICAL = "critical", _("critical")
    HIGH = "high", _("high")
    MEDIUM = "medium", _("medium")
    LOW = "low", _("low")


class PriorityScheme(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    is_default = models.BooleanField(_("default scheme"), default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("priority scheme")
        verbose_name_plural = _("priority schemes")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_priority_scheme",
            )
        ]


class PriorityLevel(BilingualName):
    """A level of a scheme. `rank` is canonical across schemes: 1 is the most urgent."""

    scheme = models.ForeignKey(
        PriorityScheme,
        verbose_name=_("priority scheme"),
        on_delete=models.CASCADE,
        related_name="levels",
    )
    code = models.SlugField(_("code"), max_length=40)
    rank = models.PositiveSmallIntegerField(
        _("canonical rank"), help_text=_("1 = most urgent; lists sort by it across schemes.")
    )

    class Meta:
        ordering = ["scheme", "rank"]
        verbose_name = _("priority level")
        verbose_name_plural = _("priority levels")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="uniq_level_code"),
            models.UniqueConstraint(fields=["scheme", "rank"], name="uniq_level_rank"),
            models.CheckConstraint(
                condition=models.Q(rank__gte=1, rank__lte=9), name="level_rank_range"
            ),
        ]


class PriorityMatrixCell(models.Model):
    """Impact × urgency → level, per scheme (001's two-dimensional matrix)."""

    scheme = models.ForeignKey(
        PriorityScheme,
        verbose_name=_("priority scheme"),
        on_delete=models.CASCADE,
        related_name="cells",
    )
    impact = models.CharField(_("impact"), max_length=20, choices=Impact.choices)
    urgency = models.CharField(_("urgency"), max_length=20, choices=Urgency.choices)
    level = models.ForeignKey(PriorityLevel, verbose_name=_("level"), on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("priority matrix cell")
        verbose_name_plural = _("priority matrix")
        constraints = [
            models.UniqueConstraint(fields=["scheme", "impact", "urgency"], name="uniq_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.get_impact_display()} × {self.get_urgency_display()} → {self.level}"

    def clean(self) -> None:
        if self.level_id and self.scheme_id and self.level.scheme_id != self.scheme_id:
            raise ValidationError({"level": _("The level must belong to the same scheme.")})


class RoutingRule(models.Model):
    """Ordered dispatch rules: the first active rule that matches names the team."""

    position = models.PositiveIntegerField(_("position"), default=100)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("A main category also matches its sub-categories. Empty matches any."),
    )
    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty matches any."),
    )
    team = models.ForeignKey(Team, verbose_name=_("team"), on_delete=models.CASCADE)
    to_product_manager = models.BooleanField(
        _("assign to a product manager"),
        default=False,
        help_text=_("For customer requirements: pick the team's least-loaded product manager."),
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return self.name


class SeniorityRule(models.Model):
    """Canonical priority rank → the minimum seniority of the engineer dispatched."""

    rank = models.PositiveSmallIntegerField(_("canonical rank"), unique=True)
    min_seniority = models.PositiveSmallIntegerField(
        _("minimum seniority"), choices=Seniority.choices, default=Seniority.JUNIOR
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["rank"]
        verbose_name = _("seniority rule")
        verbose_name_plural = _("seniority rules")

    def __str__(self) -> str:
        return f"{self.rank} → {self.get_min_seniority_display()}"
