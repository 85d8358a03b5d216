"""Admin of the classification, priority and routing configuration (PROCESS §4, §5)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db.models import Count, F
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import priority
from ..models import (
    Category,
    Keyword,
    PriorityLevel,
    PriorityMatrixCell,
    PriorityScheme,
    RoutingRule,
    SeniorityRule,
    Tag,
)
from .common import changelist_link


class CategoryLevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("main", _("main categories")), ("sub", _("sub-categories"))]

    def queryset(self, request, queryset):
        if self.value() == "main":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


class SubCategoryInline(admin.TabularInline):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ("code", "name", "name_en", "position", "active")
    verbose_name = _("sub-category")
    verbose_name_plural = _("sub-categories")


@admin.register(Category)
class CategoryAdmin(SimpleHistoryAdmin):
    """The tree reads top-down: each main category followed by its sub-categories."""

    list_display = (
        "tree_label",
        "name_en",
        "code",
        "parent",
        "position",
        "keyword_count",
        "active",
    )
    list_display_links = ("tree_label",)
    list_editable = ("position", "active")
    list_filter = (CategoryLevelFilter, "active")
    list_select_related = ("parent",)
    search_fields = ("name", "name_en", "code")
    ordering = (
        Coalesce("parent__position", "position").asc(),
        Coalesce("parent_id", "id").asc(),
        F("parent").asc(nulls_first=True),
        "position",
        "code",
    )
    inlines = (SubCategoryInline,)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n_keywords=Count("keywords"))

    def get_inline_instances(self, request: HttpRequest, obj: Category | None = None):
        if obj is not None and obj.parent_id is not None:
            return []
        return super().get_inline_instances(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("category"), ordering="name")
    def tree_label(self, obj: Category) -> str:
        if obj.parent_id is None:
            return format_html("<strong>{}</strong>", obj.name)
        return format_html('<span style="padding-left:1.5em">└ {}</span>', obj.name)

    @admin.display(description=_("keywords"), ordering="n_keywords")
    def keyword_count(self, obj: Category) -> str:
        return changelist_link(Keyword, f"category__id__exact={obj.pk}", obj.n_keywords)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "keyword_count")
    search_fields = ("name",)
    ordering = ("name",)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(n_keywords=Count("keyword"))

    @admin.display(description=_("keywords"), ordering="n_keywords")
    def keyword_count(self, obj: Tag) -> str:
        return changelist_link(Keyword, f"tags__id__exact={obj.pk}", obj.n_keywords)


@admin.register(Keyword)
class KeywordAdmin(SimpleHistoryAdmin):
    list_display = (
        "phrase",
        "category_label",
        "tag_list",
        "weight",
        "hit_count",
        "confirmed_count",
        "corrected_count",
        "precision",
        "active",
    )
    list_editable = ("weight", "active")
    list_filter = ("active", ("category", admin.RelatedOnlyFieldListFilter), "tags")
    list_select_related = ("category__parent",)
    search_fields = ("phrase", "category__name", "category__name_en", "tags__name")
    ordering = ("phrase",)
    autocomplete_fields = ("category", "tags")
    fields = (
        "phrase",
        "category",
        "tags",
        "weight",
        "active",
        "hit_count",
        "confirmed_count",
        "corrected_count",
    )
    readonly_fields = ("hit_count", "confirmed_count", "corrected_count")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description=_("category"), ordering="category__name")
    def category_label(self, obj: Keyword) -> str:
        return obj.category.full_label

    @admin.display(description=_("tags"))
    def tag_list(self, obj: Keyword) -> str:
        return ", ".join(t.name for t in obj.tags.all())

    @admin.display(description=_("precision"))
    def precision(self, obj: Keyword) -> str:
        """Share of agents' decisions that kept this keyword's category (Laplace-smoothed)."""
        share = (obj.confirmed_count + 1) / (obj.confirmed_count + obj.corrected_count + 2)
        return f"{share:.0%}"


class PriorityLevelInline(admin.TabularInline):
    model = PriorityLevel
    extra = 0
    fields = ("code", "name", "name_en", "rank")


class PriorityMatrixCellInline(admin.TabularInline):
    model = PriorityMatrixCell
    extra = 0
    fields = ("impact", "urgency", "level")

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).select_related("level")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "level":
            object_id = request.resolver_match.kwargs.get("object_id") if request else None
            kwargs["queryset"] = (
                PriorityLevel.objects.filter(scheme_id=unquote(object_id))
                if object_id
                else PriorityLevel.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PriorityScheme)
class PrioritySchemeAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name", "name_en", "level_list", "is_default")
    list_filter = ("is_default",)
    search_fields = ("code", "name", "name_en")
    ordering = ("code",)
    fields = ("code", "name", "name_en", "is_default", "matrix")
    readonly_fields = ("matrix",)
    inlines = (PriorityLevelInline, PriorityMatrixCellInline)

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("levels")

    @admin.display(description=_("levels"))
    def level_list(self, obj: PriorityScheme) -> str:
        return " > ".join(level.label for level in obj.levels.all())

    @admin.display(description=_("matrix (impact × urgency)"))
    def matrix(self, obj: PriorityScheme) -> str:
        if obj.pk is None:
            return "-"
        cells = {
            (c.impact, c.urgency): c.level.label
            for c in PriorityMatrixCell.objects.filter(scheme=obj).select_related("level")
        }
        head = format_html_join("", "<th>{}</th>", ((u.label,) for u in priority.URGENCY_ORDER))
        rows = format_html_join(
            "",
            "<tr><th>{}</th>{}</tr>",
            (
                (
                    impact.label,
                    format_html_join(
                        "",
                        "<td>{}</td>",
                        (
                            (cells.get((impact.value, u.value), "–"),)
                            for u in priority.URGENCY_ORDER
                        ),
                    ),
                )
                for impact in priority.IMPACT_ORDER
            ),
        )
        return format_html("<table><tr><th></th>{}</tr>{}</table>", head, rows)


@admin.register(RoutingRule)
class RoutingRuleAdmin(SimpleHistoryAdmin):
    list_display = (
        "position",
        "name",
        "category_label",
        "product_line",
        "team",
        "to_product_manager",
        "active",
    )
    list_display_links = ("name",)
    list_editable = ("position", "active")
    list_filter = ("active", "team", "to_product_manager")
    list_select_related = ("category__parent", "product_line", "team")
    search_fields = ("name", "category__name", "category__name_en", "team__name")
    ordering = ("position", "id")
    autocomplete_fields = ("category", "product_line", "team")

    @admin.display(description=_("category"), ordering="category__name")
    def category_label(self, obj: RoutingRule) -> str:
        return obj.category.full_label if obj.category else _("any")


@admin.register(SeniorityRule)
class SeniorityRuleAdmin(SimpleHistoryAdmin):
    list_display = ("rank", "levels", "min_seniority")
    list_editable = ("min_seniority",)
    ordering = ("rank",)

    @admin.display(description=_("levels of this rank"))
    def levels(self, obj: SeniorityRule) -> str:
        names = PriorityLevel.objects.filter(rank=obj.rank).order_by("scheme__code")
        return " / ".join(level.label for level in names)
