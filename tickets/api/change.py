"""REST API of change approvals (PROCESS §9): the form on an approved plan, the double signature
bound to a version (or a rejection with its reason), the execution log and the outcome.

Our staff see the change approvals of the tickets visible to them, a customer contact those of
their organization (others are 404). Signature and execution-step rows are read-only; every write
is checked again by its service, whose refusals are 400/403/409 with a message.
"""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tickets import resolution_selectors as rsel
from tickets.models import ChangeApproval, ChangeExecutionStep, ChangeSignature
from tickets.services import change as services

from .serializers import ErrorSerializer, UserRefSerializer
from .views import UserLanguageMixin

ERRORS = {
    400: "Invalid input `{field: [messages]}`, or a refused request "
    "`{detail, field, <field>: [message]}` (missing signatures, outside the window …).",
    403: "Not allowed for your role.",
    404: "No such change approval, or it is not visible to you.",
    409: "Not in a state that allows this (finished, edited meanwhile, already signed …).",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: OpenApiResponse(ErrorSerializer, description=ERRORS[c]) for c in codes}


class ChangeSignatureSerializer(serializers.ModelSerializer):
    signer = UserRefSerializer(read_only=True)
    voided = serializers.SerializerMethodField(help_text="Signed on an earlier version.")

    class Meta:
        model = ChangeSignature
        fields = [
            "id",
            "version",
            "signer",
            "role",
            "decision",
            "reason",
            "signed_at",
            "via",
            "voided",
        ]
        read_only_fields = fields

    def get_voided(self, obj: ChangeSignature) -> bool:
        return obj.version != obj.approval.version


class ChangeStepSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(read_only=True)

    class Meta:
        model = ChangeExecutionStep
        fields = ["id", "at", "step", "before", "after", "actor"]
        read_only_fields = fields


class ChangeApprovalOutputSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(source="plan.ticket.number", read_only=True)
    created_by = UserRefSerializer(read_only=True)
    signatures = ChangeSignatureSerializer(many=True, read_only=True)
    steps = ChangeStepSerializer(many=True, read_only=True)

    class Meta:
        model = ChangeApproval
        fields = [
            "id",
            "ticket",
            "plan",
            *services.FORM_FIELDS,
            "version",
            "created_by",
            "created_at",
            "outcome",
            "outcome_note",
            "finished_at",
            "signatures",
            "steps",
        ]
        read_only_fields = fields


class ChangeApprovalFieldsSerializer(serializers.Serializer):
    environment = serializers.ChoiceField(choices=ChangeApproval.Environment.choices)
    window_start = serializers.DateTimeField()
    window_end = serializers.DateTimeField()
    backup_what = serializers.CharField()
    backup_where = serializers.CharField(max_length=300)
    backup_by = serializers.CharField(max_length=150)
    backup_at = serializers.DateTimeField()
    test_verification = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required for production."
    )
    risk = serializers.CharField()
    rollback = serializers.CharField()


class ChangeApprovalCreateSerializer(ChangeApprovalFieldsSerializer):
    plan = serializers.IntegerField(help_text="An approved solution plan.")


class ChangeSignInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The version you reviewed.")


class ChangeRejectInputSerializer(ChangeSignInputSerializer):
    reason = serializers.CharField(help_text="What must change before it can be signed.")


class ChangeExecuteInputSerializer(serializers.Serializer):
    step = serializers.CharField()
    before = serializers.CharField(required=False, allow_blank=True, default="")
    after = serializers.CharField(required=False, allow_blank=True, default="")


class ChangeFinishInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ChangeApproval.Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema_view(
    list=extend_schema(
        summary="Change approvals visible to you",
        responses={200: ChangeApprovalOutputSerializer(many=True), **_errors(403)},
    ),
    retrieve=extend_schema(
        summary="A change approval", responses={200: ChangeApprovalOutputSerializer, **_errors(404)}
    ),
)
class ChangeApprovalViewSet(
    UserLanguageMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    permission_classes = [IsAuthenticated]
    filter_backends: list[Any] = []
    lookup_value_regex = "[0-9]+"
    queryset = ChangeApproval.objects.none()
    serializer_class = ChangeApprovalOutputSerializer

    def get_queryset(self) -> QuerySet[ChangeApproval]:
        return rsel.change_approvals_visible_to(self.request.user)

    def _input(self, serializer_class: type[Any]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _reply(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            ChangeApprovalOutputSerializer(self.get_queryset().get(pk=pk)).data, status=code
        )

    @extend_schema(
        summary="Attach a change approval to an approved plan",
        description="By the engineer working the ticket; production needs the test-environment "
        "verification.",
        request=ChangeApprovalCreateSerializer,
        responses={201: ChangeApprovalOutputSerializer, **_errors(400, 403, 409)},
    )
    def create(self, request: Request) -> Response:
        data = self._input(ChangeApprovalCreateSerializer)
        plan = get_object_or_404(rsel.plans_visible_to(request.user), pk=data.pop("plan"))
        obj = services.change_create(plan_id=plan.pk, actor=request.user, **data)
        return self._reply(obj.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Edit a change approval",
        description="A new version: the signatures given so far no longer count.",
        request=ChangeApprovalFieldsSerializer,
        responses={200: ChangeApprovalOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    def update(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        services.change_update(
            approval_id=obj.pk, actor=request.user, **self._input(ChangeApprovalFieldsSerializer)
        )
        return self._reply(obj.pk)

    @extend_schema(
        summary="Sign a version",
        description="A contact of the ticket's organization signs as the customer, a "
        "supervisor (not the form's author) as ours; the version must be the current one (409).",
        request=ChangeSignInputSerializer,
        responses={200: ChangeApprovalOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        version = self._input(ChangeSignInputSerializer)["version"]
        via = (
            ChangeSignature.Via.PORTAL if request.user.organization_id else ChangeSignature.Via.API
        )
        services.change_sign(approval_id=obj.pk, actor=request.user, version=version, via=via)
        return self._reply(obj.pk)

    @extend_schema(
        summary="Reject a version",
        description="Same signers as `sign`; the reason is required. The version cannot be "
        "executed or signed again by that side: the engineer edits the form (a new version).",
        request=ChangeRejectInputSerializer,
        responses={200: ChangeApprovalOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        data = self._input(ChangeRejectInputSerializer)
        via = (
            ChangeSignature.Via.PORTAL if request.user.organization_id else ChangeSignature.Via.API
        )
        services.change_reject(
            approval_id=obj.pk,
            actor=request.user,
            version=data["version"],
            reason=data["reason"],
            via=via,
        )
        return self._reply(obj.pk)

    @extend_schema(
        summary="Log an executed step",
        description="Refused (400) unless both signatures exist on the current version and "
        "now is inside the change window.",
        request=ChangeExecuteInputSerializer,
        responses={200: ChangeApprovalOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        services.change_execute_step(
            approval_id=obj.pk, actor=request.user, **self._input(ChangeExecuteInputSerializer)
        )
        return self._reply(obj.pk)

    @extend_schema(
        summary="Record the outcome",
        request=ChangeFinishInputSerializer,
        responses={200: ChangeApprovalOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def finish(self, request: Request, pk: str) -> Response:
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        services.change_finish(
            approval_id=obj.pk, actor=request.user, **self._input(ChangeFinishInputSerializer)
        )
        return self._reply(obj.pk)
