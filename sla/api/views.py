"""SLA API for our staff and their scripts: the clocks of a ticket (with why each deadline is what
it is), deadline extension, the breach/warning list, supervisor tasks, and calendars and
policies read-only. Customers are refused (403): clocks are internal. Scope comes from
`tickets.selectors.ticket_visible_to` (a ticket outside it is a 404); every write is checked
again by its service."""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
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
from tickets.selectors import ticket_get_for_user, ticket_visible_to

from .. import selectors, services
from ..models import (
    Calendar,
    ClockEvent,
    EscalationStep,
    SlaPolicy,
    SlaTarget,
    SupervisorTask,
    TicketClock,
)
from . import serializers as s

ERRORS = {
    400: "Invalid input `{field: [messages]}`, or a refused request "
    "`{detail, field, <field>: [message]}`.",
    403: "Not allowed for your role (customers never see SLA clocks).",
    404: "No such object, or its ticket is not visible to you.",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: OpenApiResponse(ErrorSerializer, description=ERRORS[c]) for c in codes}


class SlaViewSet(UserLanguageMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CanViewInternal]
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def _input(self, serializer_class: type[Any]) -> Any:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ClockViewSet(SlaViewSet):
    # No docstring: drf-spectacular would use it as every operation's description.

    queryset = TicketClock.objects.none()
    serializer_class = s.ClockOutputSerializer
    pagination_class = None

    def get_serializer_class(self) -> type[Any]:
        if self.action == "extend":
            return s.ClockExtendInputSerializer
        return s.ClockOutputSerializer

    @extend_schema(
        summary="The SLA clocks of a ticket",
        description="Every clock of the ticket (first response, resolution, …) with its target, "
        "deadlines, state, a plain-language `explanation` of the deadline, and its events.",
        parameters=[s.ClockListQuerySerializer],
        responses={200: s.ClockOutputSerializer(many=True), **_errors(400, 403, 404)},
    )
    def list(self, request: Request) -> Response:
        query = s.ClockListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ticket = ticket_get_for_user(user=request.user, number=query.validated_data["ticket"])
        clocks = selectors.clock_list(ticket=ticket)
        events: dict[int, list[ClockEvent]] = {c.pk: [] for c in clocks}
        for event in selectors.clock_events(ticket=ticket):
            events.setdefault(event.clock_id, []).append(event)
        context = {**self.get_serializer_context(), "events": events}
        return Response(s.ClockOutputSerializer(clocks, many=True, context=context).data)

    @extend_schema(
        summary="Extend a deadline",
        description="Only a running clock, before its deadline, with a reason, after the customer "
        "was told the reason and the new expected time (PROCESS §7).",
        request=s.ClockExtendInputSerializer,
        responses={200: s.ClockOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str) -> Response:
        visible = TicketClock.objects.filter(ticket__in=ticket_visible_to(request.user))
        clock = get_object_or_404(visible, pk=pk)
        data = self._input(s.ClockExtendInputSerializer)
        services.clock_extend(
            clock_id=clock.pk,
            actor=request.user,
            new_due=data["new_due"],
            reason=data["reason"],
            customer_informed=data["customer_informed"],
        )
        clock = TicketClock.objects.select_related("definition", "calendar").get(pk=clock.pk)
        return Response(s.ClockOutputSerializer(clock, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(
        summary="Breaches and warnings",
        description="Breached clocks and clocks past their warning time, on tickets visible to "
        "you, nearest deadline first.",
        responses={200: s.AttentionOutputSerializer(many=True), **_errors(400, 403)},
    )
)
class AttentionViewSet(mixins.ListModelMixin, SlaViewSet):
    queryset = TicketClock.objects.none()
    serializer_class = s.AttentionOutputSerializer

    def get_queryset(self) -> QuerySet[TicketClock]:
        return selectors.sla_attention_queue(
            user=self.request.user, now=getattr(self, "_now", None)
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._now = timezone.now()
        return super().list(request, *args, **kwargs)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": getattr(self, "_now", None)}


class SupervisorTaskViewSet(SlaViewSet):
    queryset = SupervisorTask.objects.none()
    serializer_class = s.SupervisorTaskOutputSerializer

    def get_serializer_class(self) -> type[Any]:
        if self.action == "acknowledge":
            return s.TaskAcknowledgeInputSerializer
        return s.SupervisorTaskOutputSerializer

    @extend_schema(
        summary="My open supervisor tasks",
        description="Deadline warnings and escalations sent to you and not yet acknowledged, "
        "oldest first; `acknowledge_by` is when the acknowledgement itself is due.",
        responses={200: s.SupervisorTaskOutputSerializer(many=True), **_errors(400, 403)},
    )
    def list(self, request: Request) -> Response:
        qs = selectors.open_tasks(user=request.user).prefetch_related("clocks")
        page = self.paginate_queryset(qs)
        data = s.SupervisorTaskOutputSerializer(
            page, many=True, context=self.get_serializer_context()
        )
        return self.get_paginated_response(data.data)

    @extend_schema(
        summary="Acknowledge a task",
        description="Once; this stops the task's acknowledgement clock.",
        request=s.TaskAcknowledgeInputSerializer,
        responses={200: s.SupervisorTaskOutputSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        user = request.user
        visible = SupervisorTask.objects.filter(
            Q(assignee=user) | Q(ticket__in=ticket_visible_to(user))
        )
        task = get_object_or_404(visible, pk=pk)
        data = self._input(s.TaskAcknowledgeInputSerializer)
        services.task_acknowledge(task_id=task.pk, actor=user, note=data["note"])
        task = (
            SupervisorTask.objects.select_related("ticket", "source_clock__definition")
            .prefetch_related("clocks")
            .get(pk=task.pk)
        )
        body = s.SupervisorTaskOutputSerializer(task, context=self.get_serializer_context())
        return Response(body.data)


class ReadOnlySlaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, SlaViewSet):
    pagination_class = None


@extend_schema_view(
    list=extend_schema(
        summary="Business calendars",
        description="Working slots, holiday and make-up working-day overrides, and the years "
        "without published holiday data (`missing_years`).",
        responses={200: s.CalendarOutputSerializer(many=True), **_errors(403)},
    ),
    retrieve=extend_schema(
        summary="A business calendar",
        responses={200: s.CalendarOutputSerializer, **_errors(403, 404)},
    ),
)
class CalendarViewSet(ReadOnlySlaViewSet):
    serializer_class = s.CalendarOutputSerializer
    queryset = Calendar.objects.prefetch_related("slots", "overrides").order_by("code")


@extend_schema_view(
    list=extend_schema(
        summary="SLA policies",
        description="Each policy's current version, its conditions, targets per clock and "
        "priority level, and its escalation chain.",
        responses={200: s.SlaPolicyOutputSerializer(many=True), **_errors(403)},
    ),
    retrieve=extend_schema(
        summary="An SLA policy", responses={200: s.SlaPolicyOutputSerializer, **_errors(403, 404)}
    ),
)
class SlaPolicyViewSet(ReadOnlySlaViewSet):
    serializer_class = s.SlaPolicyOutputSerializer
    queryset = (
        SlaPolicy.objects.select_related(
            "calendar", "priority_scheme", "organization", "category__parent"
        )
        .prefetch_related(
            Prefetch(
                "targets",
                queryset=SlaTarget.objects.select_related("clock", "level").order_by(
                    "clock__position", "level__rank", "id"
                ),
            ),
            Prefetch(
                "escalations",
                queryset=EscalationStep.objects.select_related("notify_user").order_by("level"),
            ),
        )
        .order_by("position", "id")
    )
