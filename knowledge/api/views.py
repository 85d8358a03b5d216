"""REST API of the knowledge base: articles (per permissions), versions, search with filters,
suggestions for a text, ticket links, root-cause reports and the contribution KPI.

Customers read public, published articles only; anything else answers 404 to them."""

from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from tickets.api.serializers import ErrorSerializer
from tickets.api.views import UserLanguageMixin
from tickets.errors import DomainError
from tickets.models import Ticket
from tickets.selectors import ticket_visible_to

from .. import finder, selectors, services
from ..models import TicketArticle
from ..permissions import kb_caps
from . import serializers as s

ERRORS = {400: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 409: ErrorSerializer}


def _ticket_ids(user: Any, numbers: list[str], field: str) -> list[int]:
    found = dict(ticket_visible_to(user).filter(number__in=numbers).values_list("number", "pk"))
    if len(found) != len(set(numbers)):
        missing = ", ".join(n for n in numbers if n not in found)
        raise DomainError(
            _("Unknown ticket number: %(numbers)s") % {"numbers": missing}, field=field
        )
    return list(found.values())


def _require_write(request: Request) -> None:
    if not kb_caps(request.user).write:
        raise PermissionDenied


@extend_schema_view(
    list=extend_schema(summary="List articles", parameters=[s.ArticleListQuerySerializer]),
    retrieve=extend_schema(
        summary="One article, with its Markdown rendered",
        responses={200: s.ArticleDetailSerializer, 404: ErrorSerializer},
    ),
)
class ArticleViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = s.ArticleListSerializer

    def get_queryset(self) -> Any:
        if self.action != "list":
            return selectors.article_visible_to(self.request.user).select_related(
                "author", "reviewer"
            )
        query = s.ArticleListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        return selectors.article_list(
            user=self.request.user,
            status=data.get("status", ""),
            audience=data.get("audience", ""),
            category_id=data.get("category"),
            tag_id=data.get("tag"),
            product_version=data.get("product_version", ""),
            overdue=data.get("overdue", False),
            mine=data.get("mine", False),
        )

    def get_serializer_class(self) -> Any:
        return s.ArticleListSerializer if self.action == "list" else s.ArticleDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {
            **super().get_serializer_context(),
            "visible_tickets": ticket_visible_to(self.request.user),
        }

    def _detail(self, article: Any, code: int = status.HTTP_200_OK) -> Response:
        article = selectors.article_get_for_user(user=self.request.user, pk=article.pk)
        return Response(
            s.ArticleDetailSerializer(article, context=self.get_serializer_context()).data,
            status=code,
        )

    def _input(self, request: Request, partial: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        serializer = s.ArticleInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        extra: dict[str, Any] = {}
        if "tags" in data:
            extra["tags"] = data.pop("tags")
        if "source_tickets" in data:
            extra["source_ticket_ids"] = _ticket_ids(
                request.user, data.pop("source_tickets"), "source_tickets"
            )
        if "from_ticket" in data:
            extra["from_ticket_id"] = _ticket_ids(
                request.user, [data.pop("from_ticket")], "from_ticket"
            )[0]
        return data, extra

    @extend_schema(
        summary="Create a draft article",
        request=s.ArticleInputSerializer,
        responses={201: s.ArticleDetailSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        _require_write(request)
        data, extra = self._input(request, partial=False)
        data.pop("reason", None)
        article = services.article_create(actor=request.user, data=data, **extra)
        return self._detail(article, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit an article (a new version is kept)",
        request=s.ArticleInputSerializer,
        responses={200: s.ArticleDetailSerializer, **ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        _require_write(request)
        article = self.get_object()
        data, extra = self._input(request, partial=True)
        reason = data.pop("reason", "")
        services.article_update(
            article_id=article.pk, actor=request.user, data=data, reason=reason, **extra
        )
        return self._detail(article)

    @extend_schema(summary="Delete an unpublished draft", responses={204: None, **ERRORS})
    def destroy(self, request: Request, pk: str) -> Response:
        _require_write(request)
        article = self.get_object()
        services.article_delete(article_id=article.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Move an article in its workflow",
        request=s.ArticleTransitionInputSerializer,
        responses={200: s.ArticleDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        if not kb_caps(request.user).read_internal:
            raise Http404
        serializer = s.ArticleTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.article_transition(
            article_id=article.pk, actor=request.user, **serializer.validated_data
        )
        return self._detail(article)

    @extend_schema(
        summary="Confirm the periodic review",
        request=None,
        responses={200: s.ArticleDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reviewed(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        if not kb_caps(request.user).read_internal:
            raise Http404
        services.article_mark_reviewed(article_id=article.pk, actor=request.user)
        return self._detail(article)

    @extend_schema(
        summary="Versions of an article, newest first",
        responses={200: s.ArticleVersionSerializer(many=True), 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"])
    def versions(self, request: Request, pk: str) -> Response:
        article = self.get_object()
        if not kb_caps(request.user).read_internal:
            raise Http404
        rows = [
            {
                **{
                    f: getattr(v, f)
                    for f in (
                        "history_id",
                        "history_date",
                        "history_change_reason",
                        "status",
                        "title",
                        "symptom",
                        "diagnosis",
                        "solution",
                        "prevention",
                        "product_version",
                        "audience",
                    )
                },
                "history_user": str(v.history_user) if v.history_user else None,
            }
            for v in selectors.article_versions(article=article)
        ]
        return Response(s.ArticleVersionSerializer(rows, many=True).data)


class SearchViewSet(UserLanguageMixin, viewsets.ViewSet):
    """Search and suggestions: articles the caller may read, resolved tickets for our people."""

    @extend_schema(
        summary="Search articles and resolved tickets (Chinese and English)",
        parameters=[s.KbSearchQuerySerializer],
        responses={200: s.KbSearchResultSerializer, 400: ErrorSerializer},
    )
    def list(self, request: Request) -> Response:
        query = s.KbSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        filters = finder.Filters(
            product_version=data.get("product_version", ""),
            category=data.get("category"),
            tags=finder.tags_from_names(data.get("tags", ())),
            audience=data.get("audience", ""),
        )
        if data.get("tags") and not filters.tags:
            return Response({"articles": [], "tickets": []})  # only unknown tags asked for
        articles = finder.search_articles(
            user=request.user, text=data["q"], filters=filters, limit=data["limit"]
        )
        tickets = finder.search_tickets(
            user=request.user, text=data["q"], filters=filters, limit=data["limit"]
        )
        return Response(
            {
                "articles": s.KbHitSerializer(articles, many=True).data,
                "tickets": s.KbHitSerializer(tickets, many=True).data,
            }
        )

    @extend_schema(
        summary="Suggestions for a ticket being written",
        request=s.KbSuggestInputSerializer,
        responses={200: s.KbHitSerializer(many=True), 400: ErrorSerializer},
    )
    @action(detail=False, methods=["post"])
    def suggest(self, request: Request) -> Response:
        data = s.KbSuggestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        hits = finder.suggestions(
            user=request.user, text=data.validated_data["text"], limit=data.validated_data["limit"]
        )
        return Response(s.KbHitSerializer(hits, many=True).data)


class KpiViewSet(UserLanguageMixin, viewsets.ViewSet):
    """Knowledge KPIs for our people."""

    @extend_schema(
        summary="Articles published per author per month (KPI)",
        parameters=[s.KbKpiQuerySerializer],
        responses={
            200: s.KbKpiRowSerializer(many=True),
            400: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    @action(detail=False, methods=["get"], url_path="published-per-author")
    def published_per_author(self, request: Request) -> Response:
        if not kb_caps(request.user).read_internal:
            raise PermissionDenied
        query = s.KbKpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.articles_published_per_author(**query.validated_data)
        return Response(s.KbKpiRowSerializer(rows, many=True).data)


class LinkViewSet(UserLanguageMixin, viewsets.ViewSet):
    """Links between tickets and articles (created / updated / referenced)."""

    @extend_schema(
        summary="Link an article to a ticket",
        request=s.KbLinkInputSerializer,
        responses={201: s.KbLinkSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = s.KbLinkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = get_object_or_404(
            ticket_visible_to(request.user), number=data.validated_data["ticket"]
        )
        if not kb_caps(request.user).read_internal:
            raise Http404
        link = services.ticket_article_link(
            ticket_id=ticket.pk,
            article_id=data.validated_data["article"],
            relation=data.validated_data["relation"],
            actor=request.user,
        )
        return Response(s.KbLinkSerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a link",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={204: None, **ERRORS},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        if not kb_caps(request.user).read_internal:
            raise Http404
        link = get_object_or_404(TicketArticle, pk=pk, ticket__in=ticket_visible_to(request.user))
        services.ticket_article_unlink(link_id=link.pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RootCauseViewSet(UserLanguageMixin, viewsets.ViewSet):
    @extend_schema(
        summary="Attach a root-cause report (within 48 h of resolution)",
        request=s.KbRootCauseInputSerializer,
        responses={201: s.KbRootCauseSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = s.KbRootCauseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ticket: Ticket = get_object_or_404(
            ticket_visible_to(request.user), number=values.pop("ticket")
        )
        report = services.root_cause_report_create(
            ticket_id=ticket.pk,
            actor=request.user,
            data=values,
            article_ids=values.pop("articles", []),
        )
        return Response(s.KbRootCauseSerializer(report).data, status=status.HTTP_201_CREATED)
