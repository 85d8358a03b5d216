"""REST API of the resolution workflow (PROCESS §7, §8): escalation requests, workarounds,
consultation proposals and consultations, solution plans and their reviews.

Our staff only (customers get 403); a ticket outside `ticket_visible_to` is a 404; every write is
checked again by its service, whose refusals are 400/403/409 with a message.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tickets import resolution_selectors as rsel
from tickets import selectors
from tickets.models import (
    Consultation,
    ConsultationParticipant,
    ConsultationProposal,
    Discipline,
    EscalationRequest,
    PlanReview,
    SolutionPlan,
    Ticket,
    User,
    Workaround,
)
from tickets.services import resolution as services

from .permissions import CanViewInternal
from .serializers import ErrorSerializer, UserRefSerializer
from .views import UserLanguageMixin

ERRORS = {
    400: "Invalid input `{field: [messages]}`, or a refused request "
    "`{detail, field, <field>: [message]}`.",
    403: "Not allowed for your role (customers never use these endpoints).",
    404: "No such object, or its ticket is not visible to you.",
    409: "The object is not in a state that allows this (already answered, submitted …).",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: OpenApiResponse(ErrorSerializer, description=ERRORS[c]) for c in codes}


# --- serializers ------------------------------------------------------------------------------


class TicketQuerySerializer(serializers.Serializer):
    ticket = serializers.CharField(required=False, max_length=24, help_text="A ticket number.")


class TicketInputMixin(serializers.Serializer):
    ticket = serializers.CharField(max_length=24, help_text="The ticket's number.")


class EscalationInputSerializer(TicketInputMixin):
    problem = serializers.CharField()
    tried = serializers.CharField()
    resources = serializers.CharField()


class EscalationAnswerInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EscalationOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number")
    requested_by = UserRefSerializer(allow_null=True)
    answered_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = EscalationRequest
        fields = (
            "id",
            "ticket",
            "state",
            "problem",
            "tried",
            "resources",
            "requested_by",
            "requested_at",
            "answered_by",
            "answered_at",
            "answer_reason",
        )
        read_only_fields = fields


class WorkaroundInputSerializer(TicketInputMixin):
    text = serializers.CharField()


class WorkaroundRemoveInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class WorkaroundOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number")
    created_by = UserRefSerializer(allow_null=True)
    removed_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = Workaround
        fields = (
            "id",
            "ticket",
            "text",
            "in_place",
            "created_by",
            "created_at",
            "removed_by",
            "removed_at",
            "removal_note",
        )
        read_only_fields = fields


class ProposalOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number")

    class Meta:
        model = ConsultationProposal
        fields = ("id", "ticket", "state", "stalled_since", "proposed_at", "notified_at")
        read_only_fields = fields


class ParticipantSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(organization__isnull=True, is_active=True)
    )
    discipline = serializers.ChoiceField(choices=Discipline.choices)

    class Meta:
        model = ConsultationParticipant
        fields = ("user", "discipline")


class ConsultationInputSerializer(TicketInputMixin):
    kind = serializers.ChoiceField(choices=Consultation.Kind.choices)
    topic = serializers.CharField()
    participants = ParticipantSerializer(many=True)
    proposal = serializers.IntegerField(required=False, allow_null=True, default=None)


class ConcludeInputSerializer(serializers.Serializer):
    findings = serializers.CharField()
    conclusion = serializers.CharField()


class ConsultationOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number")
    participants = ParticipantSerializer(many=True, read_only=True)
    convened_by = UserRefSerializer(allow_null=True)
    concluded_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = Consultation
        fields = (
            "id",
            "ticket",
            "kind",
            "state",
            "topic",
            "participants",
            "proposal",
            "convened_by",
            "convened_at",
            "findings",
            "conclusion",
            "concluded_by",
            "concluded_at",
        )
        read_only_fields = fields


class StepSerializer(serializers.Serializer):
    action = serializers.CharField(allow_blank=True, max_length=500)
    command = serializers.CharField(allow_blank=True, required=False, default="")
    risk = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)


class PlanFieldsSerializer(serializers.Serializer):
    root_cause = serializers.CharField()
    steps = StepSerializer(many=True)
    verification = serializers.CharField()
    rollback = serializers.CharField()


class PlanInputSerializer(TicketInputMixin, PlanFieldsSerializer):
    pass


class ReviewInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ReviewOutputSerializer(serializers.ModelSerializer):
    reviewer = UserRefSerializer()

    class Meta:
        model = PlanReview
        fields = ("id", "round", "reviewer", "decision", "comment", "version", "created_at")
        read_only_fields = fields


class PlanOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="ticket.number")
    author = UserRefSerializer(allow_null=True)
    steps = StepSerializer(many=True, read_only=True)
    reviews = ReviewOutputSerializer(many=True, read_only=True)

    class Meta:
        model = SolutionPlan
        fields = (
            "id",
            "ticket",
            "state",
            "author",
            "root_cause",
            "steps",
            "verification",
            "rollback",
            "round",
            "required_approvals",
            "created_at",
            "submitted_at",
            "approved_at",
            "reviews",
        )
        read_only_fields = fields


class ChangeOutputSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.JSONField()
    new = serializers.JSONField()


# --- viewsets ---------------------------------------------------------------------------------


class ResolutionViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated, CanViewInternal]
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"

    def _by_ticket(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        query = TicketQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("ticket")
        return qs.filter(ticket__number=number) if number else qs

    def _input(self, serializer_class: type[Any]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _ticket(self, number: str) -> Ticket:
        try:
            return selectors.ticket_get_for_user(user=self.request.user, number=number)
        except Http404:
            raise serializers.ValidationError(
                {"ticket": ["No such ticket, or it is not visible to you."]}
            ) from None

    def _reply(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=pk)
        return Response(self.output_serializer(obj).data, status=code)

    output_serializer: type[Any] = serializers.Serializer


def _list_retrieve(name: str, output: Any) -> dict[str, Any]:
    return {
        "list": extend_schema(
            summary=f"{name} of the tickets visible to you",
            description="`?ticket=<number>` for one ticket.",
            parameters=[TicketQuerySerializer],
            responses={200: output(many=True), **_errors(400, 403)},
        ),
        "retrieve": extend_schema(summary=name, responses={200: output, **_errors(403, 404)}),
    }


@extend_schema_view(**_list_retrieve("Tier escalation requests", EscalationOutputSerializer))
class EscalationViewSet(ResolutionViewSet):
    queryset = EscalationRequest.objects.none()
    serializer_class = EscalationOutputSerializer
    output_serializer = EscalationOutputSerializer

    def get_queryset(self) -> QuerySet[EscalationRequest]:
        return self._by_ticket(rsel.escalations_visible_to(self.request.user))

    @extend_schema(
        summary="Request escalation to L2",
        description="Problem, what was tried and what resources are needed; starts the 1-hour "
        "escalation-response clock. One pending request per ticket (409).",
        request=EscalationInputSerializer,
        responses={201: EscalationOutputSerializer, **_errors(400, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        data = self._input(EscalationInputSerializer)
        ticket = self._ticket(data.pop("ticket"))
        obj = services.escalation_request(ticket_id=ticket.pk, actor=request.user, **data)
        return self._reply(obj.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Accept or decline an escalation",
        description="Supervisors and experts only (403); a decline needs the reason; stops the "
        "escalation-response clock.",
        request=EscalationAnswerInputSerializer,
        responses={200: EscalationOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(EscalationAnswerInputSerializer)
        services.escalation_answer(escalation_id=obj.pk, actor=request.user, **data)
        return self._reply(obj.pk)


@extend_schema_view(**_list_retrieve("Temporary workarounds", WorkaroundOutputSerializer))
class WorkaroundViewSet(ResolutionViewSet):
    queryset = Workaround.objects.none()
    serializer_class = WorkaroundOutputSerializer
    output_serializer = WorkaroundOutputSerializer

    def get_queryset(self) -> QuerySet[Workaround]:
        return self._by_ticket(rsel.workarounds_visible_to(self.request.user))

    @extend_schema(
        summary="Record a temporary workaround",
        request=WorkaroundInputSerializer,
        responses={201: WorkaroundOutputSerializer, **_errors(400, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        data = self._input(WorkaroundInputSerializer)
        ticket = self._ticket(data.pop("ticket"))
        obj = services.workaround_add(ticket_id=ticket.pk, actor=request.user, **data)
        return self._reply(obj.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Mark a workaround as removed",
        request=WorkaroundRemoveInputSerializer,
        responses={200: WorkaroundOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(WorkaroundRemoveInputSerializer)
        services.workaround_remove(workaround_id=obj.pk, actor=request.user, **data)
        return self._reply(obj.pk)


@extend_schema_view(**_list_retrieve("Consultation proposals", ProposalOutputSerializer))
class ProposalViewSet(ResolutionViewSet):
    """Proposals made by the stall job (no progress for 2 business hours)."""

    queryset = ConsultationProposal.objects.none()
    serializer_class = ProposalOutputSerializer

    def get_queryset(self) -> QuerySet[ConsultationProposal]:
        return self._by_ticket(rsel.proposals_visible_to(self.request.user))


@extend_schema_view(**_list_retrieve("Expert consultations", ConsultationOutputSerializer))
class ConsultationViewSet(ResolutionViewSet):
    queryset = Consultation.objects.none()
    serializer_class = ConsultationOutputSerializer
    output_serializer = ConsultationOutputSerializer

    def get_queryset(self) -> QuerySet[Consultation]:
        return self._by_ticket(rsel.consultations_visible_to(self.request.user))

    @extend_schema(
        summary="Convene a consultation",
        description="Supervisors only (403). Participants from at least two disciplines; the "
        "`three_party` kind needs support, product and R&D. Participants are notified in-app.",
        request=ConsultationInputSerializer,
        responses={201: ConsultationOutputSerializer, **_errors(400, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        data = self._input(ConsultationInputSerializer)
        ticket = self._ticket(data.pop("ticket"))
        obj = services.consultation_convene(
            ticket_id=ticket.pk,
            actor=request.user,
            kind=data["kind"],
            topic=data["topic"],
            participants=[(p["user"], p["discipline"]) for p in data["participants"]],
            proposal_id=data["proposal"],
        )
        return self._reply(obj.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record findings and conclusion",
        description="By a participant, the convener or a supervisor.",
        request=ConcludeInputSerializer,
        responses={200: ConsultationOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(ConcludeInputSerializer)
        services.consultation_conclude(consultation_id=obj.pk, actor=request.user, **data)
        return self._reply(obj.pk)


@extend_schema_view(**_list_retrieve("Solution plans", PlanOutputSerializer))
class PlanViewSet(ResolutionViewSet):
    queryset = SolutionPlan.objects.none()
    serializer_class = PlanOutputSerializer
    output_serializer = PlanOutputSerializer

    def get_queryset(self) -> QuerySet[SolutionPlan]:
        return self._by_ticket(rsel.plans_visible_to(self.request.user))

    @extend_schema(
        summary="Draft a solution plan",
        description="By the ticket's assignee; one plan under way per ticket (409).",
        request=PlanInputSerializer,
        responses={201: PlanOutputSerializer, **_errors(400, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        data = self._input(PlanInputSerializer)
        ticket = self._ticket(data.pop("ticket"))
        obj = services.plan_create(ticket_id=ticket.pk, actor=request.user, **data)
        return self._reply(obj.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revise a plan",
        description="The author revises a draft or a rejected plan; a submitted or approved "
        "plan is frozen (409).",
        request=PlanFieldsSerializer,
        responses={200: PlanOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    def update(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(PlanFieldsSerializer)
        services.plan_update(plan_id=obj.pk, actor=request.user, **data)
        return self._reply(obj.pk)

    @extend_schema(
        summary="Submit a plan for review",
        description="Starts a new review round; stops the plan-submission clock.",
        request=None,
        responses={200: PlanOutputSerializer, **_errors(403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        services.plan_submit(plan_id=obj.pk, actor=request.user)
        return self._reply(obj.pk)

    @extend_schema(
        summary="Approve or reject a submitted plan",
        description="Supervisors only (403), never the author (400), once per reviewer and "
        "round (400); a rejection needs comments. High and urgent levels need two approvals.",
        request=ReviewInputSerializer,
        responses={200: PlanOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(ReviewInputSerializer)
        services.plan_review(plan_id=obj.pk, actor=request.user, **data)
        return self._reply(obj.pk)

    @extend_schema(
        summary="What changed since the last review",
        description="A field diff between the version the last review saw and the current "
        "plan; empty when the plan was never reviewed.",
        responses={200: ChangeOutputSerializer(many=True), **_errors(403, 404)},
    )
    @action(detail=True, methods=["get"])
    def changes(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        changes = rsel.plan_changes_since_review(obj) or []
        return Response(ChangeOutputSerializer(changes, many=True).data)
