"""django-q2 entry points for robot alerts and webhooks: thin wrappers, safe to run twice."""

from django.utils import timezone

from ..models import RobotMessage, WebhookDelivery
from .services import deliveries_due, robot_message_send, webhook_send


def send_robot_message(message_id: int) -> bool:
    return robot_message_send(message_id=message_id)


def send_webhook(delivery_id: int) -> bool:
    return webhook_send(delivery_id=delivery_id)


def send_due_deliveries() -> int:
    """Every minute: retries after backoff and deliveries whose task was lost."""
    now = timezone.now()
    sent = sum(
        robot_message_send(message_id=pk, now=now) for pk in deliveries_due(RobotMessage, now=now)
    )
    sent += sum(
        webhook_send(delivery_id=pk, now=now) for pk in deliveries_due(WebhookDelivery, now=now)
    )
    return sent
