"""Every write goes through these functions; views, serializers and commands only call them."""

from .attachments import attachment_add, attachment_check, attachment_store
from .classification import priority_for, suggest_for_text, ticket_classify
from .conversation import message_add, ticket_follow, ticket_update
from .dispatch import route, ticket_assign, ticket_hand_back
from .intake import TicketData, ticket_create
from .transitions import apply_transition, ticket_transition

__all__ = [
    "TicketData",
    "apply_transition",
    "attachment_add",
    "attachment_check",
    "attachment_store",
    "message_add",
    "priority_for",
    "route",
    "suggest_for_text",
    "ticket_assign",
    "ticket_classify",
    "ticket_create",
    "ticket_follow",
    "ticket_hand_back",
    "ticket_transition",
    "ticket_update",
]
