"""REST API of customer requirements (PROCESS §17), addressed by number (`RD-YYYYMMDD-NNN`).
Our staff only (customers 403); evaluation by product managers (403 for others)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from tickets import resolution_selectors as rsel
from tickets.models import Organization, Requirement
from tickets.services import requirements as services

from .resolution import ResolutionViewSet, _errors
from .serializers import UserRefSerializer


class RequirementInputSerializer(serializers.Serializer):
    ticket = serializers.CharField(
        max_length=24, required=False, help_text="Create from this ticket (its organization)."
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True, default=None
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    kind = serializers.ChoiceField(choices=Requirement.Kind.choices)
    priority = serializers.ChoiceField(choices=Requirement.Priority.choices)
    linked_tickets = serializers.ListField(
        child=serializers.CharField(max_length=24), required=False, default=list
    )


class EvaluationInputSerializer(serializers.Serializer):
    technology = serializers.CharField()
    resources = serializers.CharField()
    cost = serializers.CharField()
    conclusion = serializers.ChoiceField(choices=Requirement.Conclusion.choices)


class UatInputSerializer(serializers.Serializer):
    result = serializers.ChoiceField(choices=Requirement.Uat.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RequirementOutputSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.code")
    source_ticket = serializers.CharField(source="source_ticket.number", allow_null=True)
    tickets = serializers.SlugRelatedField(slug_field="number", many=True, read_only=True)
    created_by = UserRefSerializer(allow_null=True)
    evaluated_by = UserRefSerializer(allow_null=True)

    class Meta:
        model = Requirement
        fields = (
            "number",
            "title",
            "description",
            "kind",
            "priority",
            "organization",
            "source_ticket",
            "tickets",
            "state",
            "created_by",
            "created_at",
            "evaluation_due_at",
            "technology",
            "resources",
            "cost",
            "conclusion",
            "evaluated_by",
            "evaluated_at",
            "uat_result",
            "uat_note",
            "uat_at",
        )
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="Customer requirements",
        responses={200: RequirementOutputSerializer(many=True), **_errors(403)},
    ),
    retrieve=extend_schema(
        summary="A customer requirement by number",
        responses={200: RequirementOutputSerializer, **_errors(403, 404)},
    ),
)
class RequirementViewSet(ResolutionViewSet):
    queryset = Requirement.objects.none()
    serializer_class = RequirementOutputSerializer
    output_serializer = RequirementOutputSerializer
    lookup_field = "number"
    lookup_value_regex = "RD-[0-9]{8}-[0-9]{3,}"

    def get_queryset(self) -> QuerySet[Requirement]:
        return rsel.requirements_visible_to(self.request.user)

    def _reply_number(self, number: str, code: int = status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(number=number)
        return Response(RequirementOutputSerializer(obj).data, status=code)

    @extend_schema(
        summary="Register a requirement",
        description="From a ticket (`ticket`: its organization and contact) or directly "
        "(`organization`); `linked_tickets` by number, of the same organization. Starts the "
        "3-working-day evaluation deadline.",
        request=RequirementInputSerializer,
        responses={201: RequirementOutputSerializer, **_errors(400, 403)},
    )
    def create(self, request: Request) -> Response:
        data: dict[str, Any] = self._input(RequirementInputSerializer)
        source = self._ticket(data.pop("ticket")) if data.get("ticket") else None
        linked = [self._ticket(n).pk for n in data.pop("linked_tickets")]
        obj = services.requirement_create(
            actor=request.user,
            source_ticket_id=source.pk if source else None,
            linked_ticket_ids=linked,
            **data,
        )
        return self._reply_number(obj.number, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Evaluate feasibility",
        description="Product managers only (403): technology, resources, cost and the "
        "conclusion; the customer's contact is emailed. Once only (409).",
        request=EvaluationInputSerializer,
        responses={200: RequirementOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def evaluate(self, request: Request, number: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), number=number)
        data = self._input(EvaluationInputSerializer)
        services.requirement_evaluate(requirement_id=obj.pk, actor=request.user, **data)
        return self._reply_number(obj.number)

    @extend_schema(
        summary="Record the UAT result",
        description="Only for an accepted requirement (implementable or adjusted plan), once.",
        request=UatInputSerializer,
        responses={200: RequirementOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def uat(self, request: Request, number: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), number=number)
        data = self._input(UatInputSerializer)
        services.requirement_record_uat(requirement_id=obj.pk, actor=request.user, **data)
        return self._reply_number(obj.number)
