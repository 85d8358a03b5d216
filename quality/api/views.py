"""Quality API for our staff: surveys and answers read-only (per ticket visibility), follow-ups
with their actions. Customers are refused (403). A ticket outside `ticket_visible_to` is a 404;
every write is checked again by its service."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tickets.api.permissions import CanViewInternal
from tickets.api.serializers import ErrorSerializer
from tickets.api.views import UserLanguageMixin
from tickets.errors import DomainError

from .. import selectors, services
from ..models import FollowUp, Survey, SurveyAnswer
from . import serializers as s

ERRORS = {
    400: "Invalid input `{field: [messages]}`, or a refused request "
    "`{detail, field, <field>: [message]}`.",
    403: "Not allowed for your role (customers never see survey results here).",
    404: "No such object, or its ticket is not visible to you.",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: OpenApiResponse(ErrorSerializer, description=ERRORS[c]) for c in codes}


class QualityViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated, CanViewInternal]
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def _by_ticket(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        query = s.TicketQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("ticket")
        return qs.filter(ticket__number=number) if number else qs


@extend_schema_view(
    list=extend_schema(
        summary="Satisfaction surveys",
        description="Surveys of the tickets visible to you (newest first), with the answer if "
        "any; `?ticket=<number>` for one ticket's rounds.",
        parameters=[s.TicketQuerySerializer],
        responses={200: s.SurveyOutputSerializer(many=True), **_errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="A satisfaction survey",
        responses={200: s.SurveyOutputSerializer, **_errors(403, 404)},
    ),
)
class SurveyViewSet(QualityViewSet):
    queryset = Survey.objects.none()
    serializer_class = s.SurveyOutputSerializer

    def get_queryset(self) -> QuerySet[Survey]:
        return self._by_ticket(selectors.surveys_visible_to(self.request.user)).order_by(
            "-created_at", "-pk"
        )


@extend_schema_view(
    list=extend_schema(
        summary="Survey answers",
        description="Answers (three scores 1–5 and a comment) of the tickets visible to you; "
        "`?ticket=<number>` for one ticket.",
        parameters=[s.TicketQuerySerializer],
        responses={200: s.AnswerOutputSerializer(many=True), **_errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="A survey answer", responses={200: s.AnswerOutputSerializer, **_errors(403, 404)}
    ),
)
class AnswerViewSet(QualityViewSet):
    queryset = SurveyAnswer.objects.none()
    serializer_class = s.AnswerOutputSerializer

    def get_queryset(self) -> QuerySet[SurveyAnswer]:
        return self._by_ticket(selectors.answers_visible_to(self.request.user)).order_by(
            "-created_at", "-pk"
        )


@extend_schema_view(
    list=extend_schema(
        summary="Dissatisfaction follow-ups",
        description="Follow-ups of the tickets visible to you, earliest start-by first; "
        "`?ticket=<number>` for one ticket.",
        parameters=[s.TicketQuerySerializer],
        responses={200: s.FollowUpOutputSerializer(many=True), **_errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="A follow-up", responses={200: s.FollowUpOutputSerializer, **_errors(403, 404)}
    ),
)
class FollowUpViewSet(QualityViewSet):
    queryset = FollowUp.objects.none()
    serializer_class = s.FollowUpOutputSerializer

    def get_queryset(self) -> QuerySet[FollowUp]:
        return self._by_ticket(selectors.followups_visible_to(self.request.user)).order_by(
            "due_at", "pk"
        )

    def get_serializer_class(self) -> type[Any]:
        if self.action == "close":
            return s.FollowUpCloseInputSerializer
        if self.action == "revisit":
            return s.RevisitInputSerializer
        return s.FollowUpOutputSerializer

    def _reply(self, pk: int) -> Response:
        followup = selectors.followups_visible_to(self.request.user).get(pk=pk)
        return Response(s.FollowUpOutputSerializer(followup).data)

    def _input(self, serializer_class: type[Any]) -> Any:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(
        summary="Start a follow-up",
        description="The owner (or a supervisor) starts it; this stops its 12-hour clock.",
        request=None,
        responses={200: s.FollowUpOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        followup = get_object_or_404(self.get_queryset(), pk=pk)
        services.followup_start(followup_id=followup.pk, actor=request.user)
        return self._reply(followup.pk)

    @extend_schema(
        summary="Close a follow-up",
        description="Records the cause and the remedy, emails the message to the customer and "
        "schedules the 48-hour revisit.",
        request=s.FollowUpCloseInputSerializer,
        responses={200: s.FollowUpOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        followup = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(s.FollowUpCloseInputSerializer)
        services.followup_close(followup_id=followup.pk, actor=request.user, **data)
        return self._reply(followup.pk)

    @extend_schema(
        summary="Record the revisit",
        description="Once the revisit is due: does the problem stay solved, which needs are unmet.",
        request=s.RevisitInputSerializer,
        responses={200: s.FollowUpOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def revisit(self, request: Request, pk: str) -> Response:
        followup = get_object_or_404(self.get_queryset(), pk=pk)
        revisit = getattr(followup, "revisit", None) if hasattr(followup, "revisit") else None
        if revisit is None:
            raise DomainError(_("This follow-up has no revisit yet: close it first."))
        data = self._input(s.RevisitInputSerializer)
        services.revisit_record(revisit_id=revisit.pk, actor=request.user, **data)
        return self._reply(followup.pk)
