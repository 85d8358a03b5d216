"""Forms of the engineer UI and the customer portal: they parse input, the services decide."""

from .common import active_categories, apply_domain_error
from .intake import PortalTicketForm, TicketCreateForm
from .portal import PortalFilterForm, PortalReplyForm
from .queue import BulkActionForm, prepare_filter_form
from .ticket import AssignForm, ClassifyForm, FollowForm, MessageForm, ReasonForm, TransitionForm

__all__ = [
    "AssignForm",
    "BulkActionForm",
    "ClassifyForm",
    "FollowForm",
    "MessageForm",
    "PortalFilterForm",
    "PortalReplyForm",
    "PortalTicketForm",
    "ReasonForm",
    "TicketCreateForm",
    "TransitionForm",
    "active_categories",
    "apply_domain_error",
    "prepare_filter_form",
]
