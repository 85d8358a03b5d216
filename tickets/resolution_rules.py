"""Pure rules of the resolution workflow (PROCESS §7, §8): no ORM, no clock.

The services load the facts and call these; the tests exercise them without a database.
"""

from collections.abc import Collection, Iterable
from typing import Final

from django.utils.translation import gettext as _

from .errors import Conflict, DomainError, NotAllowed

# Canonical priority ranks (1 = most urgent) whose plans need two distinct reviewers (双人复核).
DUAL_REVIEW_RANKS: Final = frozenset({1, 2})

# Disciplines of the three-party consultation (support, product, R&D; PROCESS §7, 001).
THREE_PARTY: Final = frozenset({"support", "product", "rnd"})

# Business minutes without progress after which a consultation is proposed (PROCESS §7, 000).
STALL_MINUTES: Final = 120

PLAN_FIELDS: Final = ("root_cause", "steps", "verification", "rollback")


def required_approvals(priority_rank: int) -> int:
    """High and urgent levels (ranks 1 and 2) need two approvals; every other level one."""
    return 2 if priority_rank in DUAL_REVIEW_RANKS else 1


def assert_may_review(
    *,
    state: str,
    author_id: int | None,
    reviewer_id: int,
    may_review: bool,
    reviewed_this_round: Collection[int],
) -> None:
    """Refuse a review the process does not allow; silent when it is allowed."""
    if not may_review:
        raise NotAllowed(_("Only a supervisor may review solution plans."))
    if state != "submitted":
        raise Conflict(_("Only a plan submitted for review can be approved or rejected."))
    if author_id is not None and reviewer_id == author_id:
        raise DomainError(_("The author of a plan cannot review it."))
    if reviewer_id in reviewed_this_round:
        raise DomainError(
            _("You have already reviewed this version; a second approval needs another reviewer.")
        )


def approvals_complete(
    approver_ids: Iterable[int], *, author_id: int | None, required: int
) -> bool:
    """Whether the distinct approvers (the author never counts) reach the required number."""
    return len({a for a in approver_ids if a != author_id}) >= required


def clean_steps(steps: object) -> list[dict[str, str]]:
    """Ordered steps as `{"action", "command", "risk"}`; rows without an action are dropped.
    At least one step is required."""
    if not isinstance(steps, list):
        raise DomainError(_("Steps must be a list."), field="steps")
    cleaned = []
    for step in steps:
        if not isinstance(step, dict):
            raise DomainError(_("Each step needs an action."), field="steps")
        row = {k: str(step.get(k) or "").strip() for k in ("action", "command", "risk")}
        if not row["action"]:
            if row["command"] or row["risk"]:
                raise DomainError(_("Each step needs an action."), field="steps")
            continue
        cleaned.append(row)
    if not cleaned:
        raise DomainError(_("A plan needs at least one step."), field="steps")
    return cleaned


def assert_disciplines(kind: str, disciplines: Collection[str]) -> None:
    """Experts from several disciplines; the three-party variant needs support, product, R&D."""
    if len(set(disciplines)) < 2:
        raise DomainError(
            _("Invite participants from at least two disciplines."), field="participants"
        )
    if kind == "three_party" and not set(disciplines) >= THREE_PARTY:
        raise DomainError(
            _("A three-party consultation needs support, product and R&D participants."),
            field="participants",
        )


def field_changes(
    old: dict[str, object], new: dict[str, object], fields: Iterable[str] = PLAN_FIELDS
) -> list[tuple[str, object, object]]:
    """(field, old value, new value) for every field that differs."""
    return [(f, old.get(f), new.get(f)) for f in fields if old.get(f) != new.get(f)]
