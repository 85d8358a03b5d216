"""REST API for tickets and their catalogue. Each action: input serializer → service or
selector → output serializer. Scope comes from `tickets.selectors` (another organization's or
another team's ticket is a 404); every write is checked again by its service."""

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tickets import selectors, services
from tickets.downloads import attachment_response
from tickets.filters import TicketFilter
from tickets.models import (
    Attachment,
    Category,
    Channel,
    Organization,
    PriorityLevel,
    Team,
    Ticket,
)
from tickets.permissions import user_caps
from tickets.services import closure
from tickets.services.conversation import EDITABLE_FIELDS

from . import serializers as s
from .closure import ClosureActionsMixin
from .permissions import CanViewInternal

# Everything the detail serializer renders, loaded in a fixed number of queries.
DETAIL_PREFETCH: tuple[Any, ...] = (
    "organization",
    "contact",
    "category__parent",
    "priority",
    "team",
    "assignee",
    "product_line",
    "suggested_category__parent",
    "created_by",
    Prefetch("secondary_categories", queryset=Category.objects.select_related("parent")),
    "tags",
    "followers",
)

MULTIPART = (JSONParser, MultiPartParser, FormParser)


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    descriptions = {
        400: "Invalid input: `{field: [messages]}`, or a refused request "
        "`{detail, field, <field>: [message]}`.",
        403: "Not allowed for your role.",
        404: "No such ticket, or not visible to you.",
        409: "Illegal workflow move: `{detail, field}`.",
        413: "The request is too large.",
    }
    return {c: OpenApiResponse(s.ErrorSerializer, description=descriptions[c]) for c in codes}


class UserLanguageMixin:
    """Token-authenticated scripts are known only inside DRF: apply their saved language here
    (the session middleware does it for browser sessions)."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        language = getattr(request.user, "language", "")
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()


@extend_schema_view(
    retrieve=extend_schema(
        summary="A ticket by number",
        responses={200: s.TicketDetailOutputSerializer, **_errors(404)},
    ),
)
class TicketViewSet(UserLanguageMixin, ClosureActionsMixin, viewsets.GenericViewSet):
    # No docstring: drf-spectacular would use it as every operation's description.

    queryset = Ticket.objects.none()
    lookup_field = "number"
    filterset_class = TicketFilter
    serializer_class = s.TicketListOutputSerializer
    parser_classes = MULTIPART
    input_serializers = {
        "create": s.TicketCreateInputSerializer,
        "partial_update": s.TicketUpdateInputSerializer,
        "transition": s.TransitionInputSerializer,
        "close": s.CloseInputSerializer,
        "assign": s.AssignInputSerializer,
        "hand_back": s.HandBackInputSerializer,
        "classify": s.ClassifyInputSerializer,
        "messages": s.MessageInputSerializer,
        "attachments": s.AttachmentUploadInputSerializer,
    }

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        if self.request is not None and self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return self.input_serializers.get(self.action, self.serializer_class)
        return self.serializer_class

    def get_object(self) -> Ticket:
        return selectors.ticket_get_for_user(
            user=self.request.user, number=self.kwargs[self.lookup_field]
        )

    def _input(self, serializer_class: type[serializers.Serializer], **kwargs: Any) -> Any:
        serializer = serializer_class(
            data=self.request.data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _detail(self, ticket: Ticket) -> dict[str, Any]:
        prefetch_related_objects([ticket], *DETAIL_PREFETCH)
        return s.TicketDetailOutputSerializer(ticket, context=self.get_serializer_context()).data

    @extend_schema(
        summary="List tickets",
        description="Tickets visible to the caller: customers their organization's, engineers "
        "their teams', the service desk everything. Filters are those of the engineer queues.",
        parameters=[s.TicketListQuerySerializer],
        responses={200: s.TicketListOutputSerializer(many=True), **_errors(400)},
    )
    def list(self, request: Request) -> Response:
        query = s.TicketListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.ticket_list(user=request.user, queue=query.validated_data["queue"])
        page = self.paginate_queryset(self.filter_queryset(qs))
        data = s.TicketListOutputSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(data.data)

    @extend_schema(
        summary="Register a ticket",
        request={
            "application/json": s.TicketCreateInputSerializer,
            "multipart/form-data": s.TicketCreateInputSerializer,
        },
        responses={201: s.TicketDetailOutputSerializer, **_errors(400, 403, 413)},
    )
    def create(self, request: Request) -> Response:
        data = dict(self._input(s.TicketCreateInputSerializer))
        files = data.pop("files", [])
        secondary = data.pop("secondary_categories", [])
        if user_caps(request.user).is_customer:
            data.update(channel=Channel.API, received_at=None, contact=None)
        else:
            data.setdefault("channel", Channel.API)
        ticket = services.ticket_create(
            actor=request.user,
            data=services.TicketData(**data, extra_categories=secondary),
            files=files,
        )
        body = self._detail(ticket)
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})

    def retrieve(self, request: Request, number: str) -> Response:
        return Response(self._detail(self.get_object()))

    @extend_schema(
        summary="Edit the registered details",
        description="Only these fields: "
        + ", ".join(f"`{f}`" for f in EDITABLE_FIELDS)
        + ". Status, assignment and classification have their own actions.",
        request=s.TicketUpdateInputSerializer,
        responses={200: s.TicketDetailOutputSerializer, **_errors(400, 403, 404)},
    )
    def partial_update(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        changes = dict(self._input(s.TicketUpdateInputSerializer, partial=True))
        reason = changes.pop("reason", "")
        ticket = services.ticket_update(
            ticket_id=ticket.pk, actor=request.user, changes=changes, reason=reason
        )
        return Response(self._detail(ticket))

    @extend_schema(
        summary="Change the status",
        description="Moves follow the workflow (`allowed_transitions` on the ticket); an illegal "
        "move is a 409 with a message. Reopening and closing an unresolved ticket need a reason.",
        request=s.TransitionInputSerializer,
        responses={200: s.TicketDetailOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        data = self._input(s.TransitionInputSerializer)
        ticket = services.ticket_transition(
            ticket_id=ticket.pk, actor=request.user, to=data["to"], reason=data["reason"]
        )
        return Response(self._detail(ticket))

    @extend_schema(
        summary="Close a resolved ticket with its closing checklist",
        description="Records the process summary, the solution, the people involved and the "
        "knowledge articles created or updated (or a reason for none), then closes; a missing "
        "item is a 400, a ticket that is not resolved a 400/409. Closing through `transition` "
        "is refused until the checklist is recorded.",
        request=s.CloseInputSerializer,
        responses={200: s.TicketDetailOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        data = self._input(s.CloseInputSerializer)
        ticket = closure.ticket_close(
            ticket_id=ticket.pk,
            actor=request.user,
            summary=data["summary"],
            solution=data["solution"],
            people=data["people"],
            articles=[(a, "created") for a in data["created_articles"]]
            + [(a, "updated") for a in data["updated_articles"]],
            no_article_reason=data["no_article_reason"],
        )
        return Response(self._detail(ticket))

    @extend_schema(
        summary="Dispatch or reassign",
        description="Give an assignee and/or a team; with neither, the routing rules decide.",
        request=s.AssignInputSerializer,
        responses={200: s.TicketDetailOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        data = self._input(s.AssignInputSerializer)
        ticket = services.ticket_assign(
            ticket_id=ticket.pk,
            actor=request.user,
            assignee=data["assignee"],
            team=data["team"],
            reason=data["reason"],
        )
        return Response(self._detail(ticket))

    @extend_schema(
        summary="Hand the ticket back to the desk",
        request=s.HandBackInputSerializer,
        responses={200: s.TicketDetailOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="hand-back")
    def hand_back(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        data = self._input(s.HandBackInputSerializer)
        ticket = services.ticket_hand_back(
            ticket_id=ticket.pk, actor=request.user, reason=data["reason"]
        )
        return Response(self._detail(ticket))

    @extend_schema(
        summary="Confirm or correct the classification and priority",
        request=s.ClassifyInputSerializer,
        responses={200: s.TicketDetailOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def classify(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        data = self._input(s.ClassifyInputSerializer)
        ticket = services.ticket_classify(
            ticket_id=ticket.pk,
            actor=request.user,
            category=data["category"],
            secondary=data["secondary"],
            tags=data["tags"],
            impact=data.get("impact"),
            urgency=data.get("urgency"),
            level=data["level"],
            reason=data["reason"],
        )
        return Response(self._detail(ticket))

    @extend_schema(
        methods=["GET"],
        summary="The conversation",
        description="Replies, and for our staff internal notes and the work log.",
        responses={200: s.MessageOutputSerializer(many=True), **_errors(400, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Reply, add an internal note or a work log entry",
        request={
            "application/json": s.MessageInputSerializer,
            "multipart/form-data": s.MessageInputSerializer,
        },
        responses={201: s.MessageOutputSerializer, **_errors(400, 403, 404, 413)},
    )
    @action(detail=True, methods=["get", "post"], filter_backends=[])
    def messages(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        if request.method == "POST":
            data = self._input(s.MessageInputSerializer)
            message = services.message_add(
                ticket_id=ticket.pk,
                actor=request.user,
                kind=data["kind"],
                body=data["body"],
                worklog_kind=data["worklog_kind"],
                files=data["files"],
            )
            body = s.MessageOutputSerializer(message, context=self.get_serializer_context())
            return Response(body.data, status=status.HTTP_201_CREATED)
        qs = selectors.message_list(user=request.user, ticket=ticket).prefetch_related(
            Prefetch(
                "attachments", queryset=Attachment.objects.select_related("uploaded_by", "ticket")
            )
        )
        page = self.paginate_queryset(qs)
        data = s.MessageOutputSerializer(page, many=True, context=self.get_serializer_context())
        return self.get_paginated_response(data.data)

    @extend_schema(
        methods=["GET"],
        summary="Attachments, with their download links",
        responses={200: s.AttachmentOutputSerializer(many=True), **_errors(404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Upload one or more files",
        description="Files are checked by content (images, PDF, archives, text logs) and size; "
        "if one is refused, none is stored.",
        request={"multipart/form-data": s.AttachmentUploadInputSerializer},
        responses={201: s.AttachmentOutputSerializer(many=True), **_errors(400, 403, 404, 413)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser],
    )
    def attachments(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        context = self.get_serializer_context()
        if request.method == "POST":
            data = self._input(s.AttachmentUploadInputSerializer)
            stored = services.attachment_add(
                ticket_id=ticket.pk,
                actor=request.user,
                files=data["files"],
                internal=data["internal"],
            )
            body = s.AttachmentOutputSerializer(stored, many=True, context=context)
            return Response(body.data, status=status.HTTP_201_CREATED)
        rows = selectors.attachment_list(user=request.user, ticket=ticket)
        return Response(s.AttachmentOutputSerializer(rows, many=True, context=context).data)

    @extend_schema(
        summary="Download an attachment",
        description="The file as stored, always as `Content-Disposition: attachment`. Customers "
        "never receive internal attachments.",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **_errors(404)},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        url_path=r"attachments/(?P<attachment_id>[0-9]+)/download",
    )
    def attachment_download(self, request: Request, number: str, attachment_id: str) -> Any:
        ticket = self.get_object()
        attachment = selectors.attachment_get_for_user(user=request.user, pk=int(attachment_id))
        if attachment.ticket_id != ticket.pk:
            raise Http404
        return attachment_response(attachment)

    @extend_schema(
        summary="The timeline",
        description="Registration and status changes; our staff also see dispatch, hand-backs, "
        "classification, priority, followers, attachments and every reason.",
        responses={200: s.EventOutputSerializer(many=True), **_errors(400, 404)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def events(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        page = self.paginate_queryset(selectors.event_list(ticket=ticket, user=request.user))
        context = {
            **self.get_serializer_context(),
            "internal": user_caps(request.user).view_internal,
        }
        data = s.EventOutputSerializer(page, many=True, context=context)
        return self.get_paginated_response(data.data)

    @extend_schema(
        summary="Field changes (staff only)",
        description="Newest first, at most 50 entries.",
        responses={200: s.HistoryEntrySerializer(many=True), **_errors(403, 404)},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[IsAuthenticated, CanViewInternal],
    )
    def history(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        rows = selectors.ticket_history(ticket=ticket)
        return Response(s.HistoryEntrySerializer(rows, many=True).data)


# ---------------------------------------------------------------------------------------------
# The catalogue, read-only for scripts


class CatalogViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    filter_backends: list[Any] = []


@extend_schema_view(
    list=extend_schema(summary="The category tree: main categories with their sub-categories"),
    retrieve=extend_schema(summary="A category with its sub-categories"),
)
class CategoryViewSet(CatalogViewSet):
    serializer_class = s.CategoryOutputSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Category]:
        children = Prefetch("children", queryset=Category.objects.filter(active=True))
        return Category.objects.filter(active=True).prefetch_related(children)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        tree = selectors.category_tree()
        return Response(self.get_serializer(tree, many=True).data)


@extend_schema_view(list=extend_schema(summary="Teams"), retrieve=extend_schema(summary="A team"))
class TeamViewSet(CatalogViewSet):
    serializer_class = s.TeamOutputSerializer
    queryset = Team.objects.select_related("product_line")


@extend_schema_view(
    list=extend_schema(summary="Customer organizations (customers: their own)"),
    retrieve=extend_schema(summary="An organization"),
)
class OrganizationViewSet(CatalogViewSet):
    serializer_class = s.OrganizationOutputSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        user = self.request.user
        qs = Organization.objects.all()
        if user_caps(user).is_customer:
            return qs.filter(pk=user.organization_id)
        return qs


@extend_schema_view(
    list=extend_schema(summary="Priority levels of every scheme"),
    retrieve=extend_schema(summary="A priority level"),
)
class PriorityLevelViewSet(CatalogViewSet):
    serializer_class = s.PriorityLevelOutputSerializer
    queryset = PriorityLevel.objects.select_related("scheme")
    pagination_class = None
