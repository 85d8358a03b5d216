"""The transition table (PROCESS §6) without a database."""

import itertools

import pytest

from tickets import workflow
from tickets.errors import InvalidTransition
from tickets.models import Status

DECLARED = sorted((src, dst) for src, targets in workflow.TRANSITIONS.items() for dst in targets)
UNDECLARED = sorted(
    (src, dst)
    for src, dst in itertools.product(Status, Status)
    if dst not in workflow.TRANSITIONS[src]
)


def test_every_status_has_a_row():
    assert set(workflow.TRANSITIONS) == set(Status)


@pytest.mark.parametrize(("src", "dst"), DECLARED)
def test_every_declared_move_is_allowed(src, dst):
    assert workflow.can_transition(src, dst)
    workflow.assert_can_transition(src, dst)
    assert workflow.can_transition(src.value, dst.value)


@pytest.mark.parametrize(("src", "dst"), UNDECLARED)
def test_every_undeclared_move_is_refused(src, dst):
    assert not workflow.can_transition(src, dst)
    with pytest.raises(InvalidTransition) as exc:
        workflow.assert_can_transition(src, dst)
    assert exc.value.status == 409
    assert exc.value.field == "status"
    assert (exc.value.src, exc.value.dst) == (src, dst)


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (Status.NEW, Status.RESOLVED),
        (Status.NEW, Status.TESTING),
        (Status.NEW, Status.ARCHIVED),
        (Status.IN_PROGRESS, Status.CLOSED),
        (Status.WAITING_THIRD_PARTY, Status.CLOSED),
        (Status.RESOLVED, Status.NEW),
        (Status.CLOSED, Status.NEW),
        (Status.CLOSED, Status.RESOLVED),
    ],
)
def test_notable_shortcuts_are_not_declared(src, dst):
    """Skipping the work (new → resolved) or closing work in progress is not a move."""
    assert (src, dst) in UNDECLARED


def test_message_names_both_states():
    with pytest.raises(InvalidTransition) as exc:
        workflow.assert_can_transition("new", "resolved")
    assert str(Status.NEW.label) in exc.value.message
    assert str(Status.RESOLVED.label) in exc.value.message


def test_unknown_status_is_a_value_error():
    with pytest.raises(ValueError):
        workflow.can_transition("new", "done")


def test_archived_is_terminal():
    assert workflow.TRANSITIONS[Status.ARCHIVED] == frozenset()
    assert workflow.allowed_targets(Status.ARCHIVED) == []
    assert workflow.allowed_targets(Status.ARCHIVED, manual=False) == []
    for dst in Status:
        assert not workflow.can_transition(Status.ARCHIVED, dst)


def test_archive_only_from_closed():
    assert [s for s in Status if workflow.can_transition(s, Status.ARCHIVED)] == [Status.CLOSED]


def _reachable(start: Status) -> set[Status]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in workflow.TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_every_state_is_reachable_from_new():
    assert _reachable(Status.NEW) == set(Status)


@pytest.mark.parametrize("src", sorted(workflow.OPEN_STATUSES))
def test_every_open_state_can_still_be_closed(src):
    assert Status.CLOSED in _reachable(src)


def test_open_statuses():
    assert set(Status) - {Status.CLOSED, Status.ARCHIVED} == workflow.OPEN_STATUSES


@pytest.mark.parametrize(
    ("src", "dst", "expected"),
    [
        (Status.RESOLVED, Status.IN_PROGRESS, True),
        (Status.CLOSED, Status.IN_PROGRESS, True),
        ("resolved", "in_progress", True),
        (Status.TESTING, Status.IN_PROGRESS, False),
        (Status.WAITING_CUSTOMER, Status.IN_PROGRESS, False),
        (Status.WAITING_THIRD_PARTY, Status.IN_PROGRESS, False),
        (Status.ASSIGNED, Status.IN_PROGRESS, False),
        (Status.RESOLVED, Status.CLOSED, False),
    ],
)
def test_reopen_moves_detected(src, dst, expected):
    assert workflow.is_reopen(src, dst) is expected


def test_every_reopen_move_is_declared():
    for src, dst in workflow.REOPEN_MOVES:
        assert workflow.can_transition(src, dst)


@pytest.mark.parametrize(
    ("src", "dst", "expected"),
    [
        # reopens
        (Status.RESOLVED, Status.IN_PROGRESS, True),
        (Status.CLOSED, Status.IN_PROGRESS, True),
        # hand-backs
        (Status.ASSIGNED, Status.NEW, True),
        (Status.IN_PROGRESS, Status.NEW, True),
        # closing an unresolved ticket
        (Status.NEW, Status.CLOSED, True),
        (Status.ASSIGNED, Status.CLOSED, True),
        (Status.WAITING_CUSTOMER, Status.CLOSED, True),
        # ordinary moves
        (Status.RESOLVED, Status.CLOSED, False),
        (Status.NEW, Status.ASSIGNED, False),
        (Status.ASSIGNED, Status.IN_PROGRESS, False),
        (Status.IN_PROGRESS, Status.TESTING, False),
        (Status.TESTING, Status.RESOLVED, False),
        (Status.IN_PROGRESS, Status.WAITING_CUSTOMER, False),
        (Status.WAITING_CUSTOMER, Status.IN_PROGRESS, False),
        (Status.WAITING_CUSTOMER, Status.NEW, False),
        (Status.CLOSED, Status.ARCHIVED, False),
    ],
)
def test_reason_required(src, dst, expected):
    assert workflow.reason_required(src, dst) is expected


@pytest.mark.parametrize(("src", "dst"), DECLARED)
def test_every_declared_move_into_closed_but_from_resolved_needs_a_reason(src, dst):
    if dst == Status.CLOSED:
        assert workflow.reason_required(src, dst) is (src != Status.RESOLVED)


@pytest.mark.parametrize("src", list(Status))
def test_allowed_targets_hides_action_only_targets(src):
    manual = workflow.allowed_targets(src)
    every = workflow.allowed_targets(src, manual=False)
    assert set(every) == workflow.TRANSITIONS[src]
    assert set(manual) == workflow.TRANSITIONS[src] - workflow.ACTION_ONLY_TARGETS
    assert not set(manual) & {Status.ASSIGNED, Status.NEW, Status.ARCHIVED}
    # declaration order of Status, so menus are stable
    order = list(Status)
    assert manual == sorted(manual, key=order.index)
    assert every == sorted(every, key=order.index)


def test_allowed_targets_examples():
    assert workflow.allowed_targets("closed") == [Status.IN_PROGRESS]
    assert workflow.allowed_targets("closed", manual=False) == [
        Status.IN_PROGRESS,
        Status.ARCHIVED,
    ]
    assert workflow.allowed_targets(Status.ASSIGNED) == [
        Status.IN_PROGRESS,
        Status.WAITING_CUSTOMER,
        Status.WAITING_THIRD_PARTY,
        Status.CLOSED,
    ]
    assert Status.NEW in workflow.allowed_targets(Status.ASSIGNED, manual=False)
    assert workflow.allowed_targets(Status.NEW) == [
        Status.IN_PROGRESS,
        Status.WAITING_CUSTOMER,
        Status.CLOSED,
    ]


def test_needs_assignee_covers_the_working_states():
    assert {
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.TESTING,
        Status.RESOLVED,
        Status.WAITING_THIRD_PARTY,
    } == workflow.NEEDS_ASSIGNEE
    assert Status.NEW not in workflow.NEEDS_ASSIGNEE
    assert Status.WAITING_CUSTOMER not in workflow.NEEDS_ASSIGNEE


def test_every_status_has_a_customer_view_and_the_filter_inverts_it():
    from tickets.models import CustomerStatus
    from tickets.workflow import CUSTOMER_VIEW, customer_status, statuses_shown_as

    assert set(CUSTOMER_VIEW) == set(Status)
    for shown in CustomerStatus:
        for status in statuses_shown_as(shown):
            assert customer_status(status) == shown
    assert statuses_shown_as("received") == {Status.NEW, Status.ASSIGNED}
