"""REST API of verification and closure (PROCESS §12), as actions on `/api/v1/tickets/{number}/`:

- `GET  …/self-tests/`   the engineer's self-tests of every round (staff only);
- `POST …/self-tests/`   record one (`passed`, `notes`); a passed one on a resolved ticket asks
  the customer to verify;
- `GET  …/verification/` where this round stands for the customer (customers and staff);
- `POST …/verification/` the customer's answer (`solved`, `comment`), customers only; "not
  solved" reopens the ticket as a counted second round;
- `GET  …/closure/`      this round's closure record (staff only). Closing itself is
  `POST …/close/` with the checklist.

The services decide everything; refusals are 400/403/409 (410 once the round is answered).
"""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from tickets import resolution_selectors as rsel
from tickets.models import ClosureRecord, SelfTest, Ticket, Verification
from tickets.services import closure

from .permissions import CanViewInternal
from .serializers import ErrorSerializer, UserRefSerializer

ERRORS = {
    400: "Invalid input `{field: [messages]}`, or a refused request "
    "`{detail, field, <field>: [message]}`.",
    403: "Not allowed for your role.",
    404: "No such ticket, or not visible to you.",
    409: "The ticket is archived or not in a state that allows this.",
    410: "This round has already been verified.",
}


def _errors(*codes: int) -> dict[int, OpenApiResponse]:
    return {c: OpenApiResponse(ErrorSerializer, description=ERRORS[c]) for c in codes}


class SelfTestInputSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    notes = serializers.CharField(help_text="What was tested against the verification standard.")


class SelfTestOutputSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(allow_null=True)
    plan = serializers.IntegerField(source="plan_id", allow_null=True)

    class Meta:
        model = SelfTest
        fields = ("id", "round", "passed", "notes", "plan", "author", "created_at")
        read_only_fields = fields


class VerificationInputSerializer(serializers.Serializer):
    solved = serializers.BooleanField()
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when not solved: what is still not working.",
    )


class VerificationOutputSerializer(serializers.ModelSerializer):
    user = UserRefSerializer(allow_null=True)

    class Meta:
        model = Verification
        fields = ("id", "round", "outcome", "comment", "via", "user", "created_at")
        read_only_fields = fields


class VerificationStateSerializer(serializers.Serializer):
    """Where the current round stands for the customer."""

    round = serializers.IntegerField(help_text="0 for the first resolution, then 1, 2 …")
    status = serializers.CharField()
    awaiting_verification = serializers.BooleanField(
        help_text="Resolved, self-tested and waiting for the customer's answer."
    )
    verification = VerificationOutputSerializer(allow_null=True)
    earlier = VerificationOutputSerializer(many=True, help_text="Answers of earlier rounds.")


class ClosureRecordOutputSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(allow_null=True)
    people = UserRefSerializer(many=True)

    class Meta:
        model = ClosureRecord
        fields = (
            "id",
            "round",
            "summary",
            "solution",
            "people",
            "no_article_reason",
            "author",
            "created_at",
        )
        read_only_fields = fields


class ClosureStateSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    status = serializers.CharField()
    selftest_passed = serializers.BooleanField()
    verification = VerificationOutputSerializer(allow_null=True)
    record = ClosureRecordOutputSerializer(allow_null=True)
    articles = serializers.ListField(
        child=serializers.DictField(),
        help_text="Knowledge articles linked to the ticket: `{id, title, relation}`.",
    )


class ClosureActionsMixin:
    """Mixed into the ticket viewset: `get_object()` scopes the ticket to the caller."""

    get_object: Any
    _input: Any

    @extend_schema(
        methods=["GET"],
        summary="Self-tests of every round (staff only)",
        responses={200: SelfTestOutputSerializer(many=True), **_errors(403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record the engineer's self-test against the verification standard",
        description="Only an assignee-side worker; a passed self-test on a resolved ticket "
        "emails the customer a signed verification link.",
        request=SelfTestInputSerializer,
        responses={201: SelfTestOutputSerializer, **_errors(400, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="self-tests",
        filter_backends=[],
        pagination_class=None,
        permission_classes=[IsAuthenticated, CanViewInternal],
    )
    def self_tests(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        if request.method == "GET":
            rows = ticket.self_tests.select_related("author")
            return Response(SelfTestOutputSerializer(rows, many=True).data)
        data = self._input(SelfTestInputSerializer)
        row = closure.selftest_record(
            ticket_id=ticket.pk, actor=request.user, passed=data["passed"], notes=data["notes"]
        )
        return Response(SelfTestOutputSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["GET"],
        summary="Where the customer's verification of this round stands",
        responses={200: VerificationStateSerializer, **_errors(404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="The customer's verification: solved, or not solved with what still fails",
        description="Customers of the ticket's organization only, once per round, after the "
        "engineer's passed self-test. Solved starts the close-after-verification clock; not "
        "solved reopens the ticket as a counted new round.",
        request=VerificationInputSerializer,
        responses={200: VerificationStateSerializer, **_errors(400, 403, 404, 409, 410)},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=None,
    )
    def verification(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        if request.method == "POST":
            data = self._input(VerificationInputSerializer)
            closure.verification_record(
                ticket_id=ticket.pk,
                actor=request.user,
                solved=data["solved"],
                comment=data["comment"],
            )
            ticket = Ticket.objects.get(pk=ticket.pk)
        return Response(VerificationStateSerializer(rsel.verification_state(ticket)).data)

    @extend_schema(
        summary="This round's closure record and linked articles (staff only)",
        responses={200: ClosureStateSerializer, **_errors(403, 404)},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        permission_classes=[IsAuthenticated, CanViewInternal],
    )
    def closure(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        return Response(ClosureStateSerializer(rsel.closure_state(ticket)).data)
