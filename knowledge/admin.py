"""Admin of the knowledge base. The workflow fields change only through the service (the
engineer UI or the API); history, clicks, deliveries and search documents are read-only."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from tickets.admin import ReadOnlyMixin

from . import services
from .models import (
    Article,
    CaseReview,
    CaseReviewItem,
    PitfallDelivery,
    PitfallGuide,
    RootCauseReport,
    SuggestionClick,
    TicketArticle,
    TicketSearchDoc,
)


@admin.register(Article)
class ArticleAdmin(SimpleHistoryAdmin):
    list_display = ("id", "title", "status", "audience", "author", "review_due", "updated_at")
    list_filter = ("status", "audience", "category")
    search_fields = ("title", "product", "product_version")
    autocomplete_fields = ("source_tickets",)
    filter_horizontal = ("tags",)
    list_select_related = ("author",)
    readonly_fields = (
        "status",
        "author",
        "reviewer",
        "published_at",
        "reviewed_at",
        "review_due",
        "created_at",
        "updated_at",
    )
    exclude = ("search_tokens", "search_vector", "reminded_for")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # articles are written in the knowledge UI, where the author is recorded

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.article_index(article=form.instance)


@admin.register(TicketArticle)
class TicketArticleAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "article", "relation", "created_by", "created_at")
    list_filter = ("relation",)
    list_select_related = ("ticket", "article", "created_by")


@admin.register(TicketSearchDoc)
class TicketSearchDocAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("ticket", "title", "resolved_at", "indexed_at")
    search_fields = ("title",)
    exclude = ("search_vector",)
    list_select_related = ("ticket",)


@admin.register(SuggestionClick)
class SuggestionClickAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("token", "user", "article", "clicked_at")
    list_select_related = ("user", "article")


class CaseReviewItemInline(admin.TabularInline):
    model = CaseReviewItem
    extra = 0
    raw_id_fields = ("ticket", "article")


@admin.register(CaseReview)
class CaseReviewAdmin(admin.ModelAdmin):
    list_display = ("month", "organizer", "held_at")
    inlines = [CaseReviewItemInline]


@admin.register(RootCauseReport)
class RootCauseReportAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("title", "ticket", "author", "created_at")
    list_select_related = ("ticket", "author")


class PitfallDeliveryInline(ReadOnlyMixin, admin.TabularInline):
    model = PitfallDelivery
    extra = 0


@admin.register(PitfallGuide)
class PitfallGuideAdmin(admin.ModelAdmin):
    list_display = ("title", "created_at", "sent_at")
    filter_horizontal = ("articles", "organizations")
    readonly_fields = ("created_by", "created_at", "sent_at")
    inlines = [PitfallDeliveryInline]
    actions = ["send_guides"]

    def save_model(self, request: HttpRequest, obj: PitfallGuide, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Send to the contacts of the chosen organizations"))
    def send_guides(self, request: HttpRequest, queryset: Any) -> None:
        from tickets.errors import DomainError

        for guide in queryset:
            try:
                count = services.pitfall_guide_send(guide_id=guide.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{guide}: {exc.message}", level="error")
            else:
                self.message_user(
                    request,
                    _("%(guide)s: %(count)d contact(s) queued.") % {"guide": guide, "count": count},
                )
