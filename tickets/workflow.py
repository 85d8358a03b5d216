"""The ticket lifecycle as data (PROCESS §6). Pure: no ORM. Enforced by `ticket_transition`."""

from typing import Final

from .errors import InvalidTransition
from .models.ticket import CustomerStatus, Status

TRANSITIONS: Final[dict[Status, frozenset[Status]]] = {
    Status.NEW: frozenset(
        {Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER, Status.CLOSED}
    ),
    Status.ASSIGNED: frozenset(
        {
            Status.NEW,
            Status.IN_PROGRESS,
            Status.WAITING_CUSTOMER,
            Status.WAITING_THIRD_PARTY,
            Status.CLOSED,
        }
    ),
    Status.IN_PROGRESS: frozenset(
        {
            Status.NEW,
            Status.WAITING_CUSTOMER,
            Status.WAITING_THIRD_PARTY,
            Status.TESTING,
            Status.RESOLVED,
        }
    ),
    Status.WAITING_CUSTOMER: frozenset(
        {Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.CLOSED}
    ),
    Status.WAITING_THIRD_PARTY: frozenset({Status.IN_PROGRESS}),
    Status.TESTING: frozenset({Status.IN_PROGRESS, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.IN_PROGRESS, Status.CLOSED}),
    Status.CLOSED: frozenset({Status.IN_PROGRESS, Status.ARCHIVED}),
    Status.ARCHIVED: frozenset(),
}

OPEN_STATUSES: Final[frozenset[Status]] = frozenset(TRANSITIONS) - {Status.CLOSED, Status.ARCHIVED}

# Moves into these states happen only through their own action (dispatch, hand-back, archive),
# never through the generic "change status" action.
ACTION_ONLY_TARGETS: Final[frozenset[Status]] = frozenset(
    {Status.ASSIGNED, Status.NEW, Status.ARCHIVED}
)

# A move back to work after a resolution is a reopen (二次处理) and is counted.
REOPEN_MOVES: Final[frozenset[tuple[Status, Status]]] = frozenset(
    {(Status.RESOLVED, Status.IN_PROGRESS), (Status.CLOSED, Status.IN_PROGRESS)}
)

NEEDS_ASSIGNEE: Final[frozenset[Status]] = frozenset(
    {
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.TESTING,
        Status.RESOLVED,
        Status.WAITING_THIRD_PARTY,
    }
)


def reason_required(src: Status, dst: Status) -> bool:
    """Reopens, hand-backs and closing an unresolved ticket must say why."""
    if (src, dst) in REOPEN_MOVES:
        return True
    if dst == Status.NEW and src in (Status.ASSIGNED, Status.IN_PROGRESS):
        return True
    return dst == Status.CLOSED and src != Status.RESOLVED


def can_transition(src: Status | str, dst: Status | str) -> bool:
    return Status(dst) in TRANSITIONS[Status(src)]


def assert_can_transition(src: Status | str, dst: Status | str) -> None:
    if not can_transition(src, dst):
        raise InvalidTransition(src, dst)


def allowed_targets(src: Status | str, *, manual: bool = True) -> list[Status]:
    """States reachable from `src`, in declaration order; `manual` hides action-only targets."""
    targets = TRANSITIONS[Status(src)]
    return [s for s in Status if s in targets and not (manual and s in ACTION_ONLY_TARGETS)]


def is_reopen(src: Status | str, dst: Status | str) -> bool:
    return (Status(src), Status(dst)) in REOPEN_MOVES


# PROCESS §6 is our process; the customer follows their request, not our internal steps.
CUSTOMER_VIEW: Final[dict[Status, CustomerStatus]] = {
    Status.NEW: CustomerStatus.RECEIVED,
    Status.ASSIGNED: CustomerStatus.RECEIVED,
    Status.IN_PROGRESS: CustomerStatus.IN_PROGRESS,
    Status.WAITING_THIRD_PARTY: CustomerStatus.IN_PROGRESS,
    Status.TESTING: CustomerStatus.IN_PROGRESS,
    Status.WAITING_CUSTOMER: CustomerStatus.WAITING_YOU,
    Status.RESOLVED: CustomerStatus.RESOLVED,
    Status.CLOSED: CustomerStatus.CLOSED,
    Status.ARCHIVED: CustomerStatus.CLOSED,
}


def customer_status(status: Status | str) -> CustomerStatus:
    return CUSTOMER_VIEW[Status(status)]


def statuses_shown_as(shown: CustomerStatus | str) -> frozenset[Status]:
    """The internal statuses a customer sees as `shown` (for filtering their list)."""
    return frozenset(s for s, c in CUSTOMER_VIEW.items() if c == CustomerStatus(shown))
