"""Email and alert records for our staff and their scripts: what was mailed to customers, what
arrived, and the chat-robot / webhook deliveries. Read-only; customers are refused (403);
records of tickets outside `ticket_visible_to` are not listed."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from tickets.permissions import user_caps
from tickets.selectors import ticket_visible_to

from ..models import DeliveryStatus, InboundEmail, OutboundEmail, WebhookDelivery
from .permissions import CanViewInternal
from .views import UserLanguageMixin


class OutboundEmailSerializer(serializers.ModelSerializer):
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = OutboundEmail
        fields = (
            "id",
            "ticket",
            "event_key",
            "template",
            "address",
            "language",
            "message_id",
            "subject",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "created_at",
            "sent_at",
        )


class InboundEmailSerializer(serializers.ModelSerializer):
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = InboundEmail
        fields = (
            "id",
            "ticket",
            "message_id",
            "from_address",
            "subject",
            "outcome",
            "error",
            "received_at",
        )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.StringRelatedField()

    class Meta:
        model = WebhookDelivery
        fields = (
            "id",
            "delivery_id",
            "endpoint",
            "event",
            "status",
            "attempts",
            "status_code",
            "last_error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
        )


class MailFilterSerializer(serializers.Serializer):
    ticket = serializers.CharField(required=False, help_text="Ticket number (TS-…)")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)


class _ReadOnly(UserLanguageMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, CanViewInternal]
    filter_backends: list[Any] = []

    def _scoped(self, qs: QuerySet) -> QuerySet:
        user = self.request.user
        number = self.request.query_params.get("ticket")
        if number:
            qs = qs.filter(ticket__number=number)
        if user_caps(user).view_all:
            return qs
        return qs.filter(ticket__in=ticket_visible_to(user).values("pk"))


@extend_schema_view(
    list=extend_schema(
        summary="Emails sent to customers",
        description="Newest first. Filter by `ticket` (number) and `status`.",
        parameters=[MailFilterSerializer],
    )
)
class OutboundEmailViewSet(_ReadOnly):
    queryset = OutboundEmail.objects.none()
    serializer_class = OutboundEmailSerializer

    def get_queryset(self) -> QuerySet[OutboundEmail]:
        qs = OutboundEmail.objects.select_related("ticket").order_by("-created_at", "-id")
        status = self.request.query_params.get("status")
        if status in DeliveryStatus.values:
            qs = qs.filter(status=status)
        return self._scoped(qs)


@extend_schema_view(
    list=extend_schema(
        summary="Emails received",
        description="Newest first; messages that made no ticket (automatic, rejected, "
        "quarantined) are listed only for staff who see every organization.",
        parameters=[MailFilterSerializer],
    )
)
class InboundEmailViewSet(_ReadOnly):
    queryset = InboundEmail.objects.none()
    serializer_class = InboundEmailSerializer

    def get_queryset(self) -> QuerySet[InboundEmail]:
        qs = InboundEmail.objects.select_related("ticket").order_by("-received_at", "-id")
        return self._scoped(qs)


@extend_schema_view(
    list=extend_schema(
        summary="Webhook deliveries",
        description="Newest first, with attempts, HTTP status and the last error. Staff who "
        "see every organization only.",
        parameters=[MailFilterSerializer],
    )
)
class WebhookDeliveryViewSet(_ReadOnly):
    queryset = WebhookDelivery.objects.none()
    serializer_class = WebhookDeliverySerializer

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        if not user_caps(self.request.user).view_all:
            return WebhookDelivery.objects.none()
        qs = WebhookDelivery.objects.select_related("endpoint").order_by("-created_at", "-id")
        status = self.request.query_params.get("status")
        if status in DeliveryStatus.values:
            qs = qs.filter(status=status)
        return qs
