"""Dispatch rules (PROCESS §5). Pure: rules and candidates in, decision out."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: int
    team_id: int
    category_id: int | None = None
    product_line_id: int | None = None
    to_product_manager: bool = False


@dataclass(frozen=True)
class Candidate:
    user_id: int
    seniority: int
    open_tickets: int


def match_rule(
    rules: Iterable[Rule],
    *,
    category_id: int | None,
    parent_category_id: int | None,
    product_line_id: int | None,
) -> Rule | None:
    """The first rule (in the given order) whose conditions all hold.

    A rule's category matches the ticket's category or, for a main category, its sub-categories.
    An empty condition matches anything.
    """
    for rule in rules:
        if rule.category_id is not None and rule.category_id not in (
            category_id,
            parent_category_id,
        ):
            continue
        if rule.product_line_id is not None and rule.product_line_id != product_line_id:
            continue
        return rule
    return None


def min_seniority_for(rank: int, table: Sequence[tuple[int, int]], default: int = 1) -> int:
    """`table` is (canonical rank, minimum seniority); an exact rank wins, else the default."""
    return dict(table).get(rank, default)


def pick_assignee(candidates: Iterable[Candidate], *, min_seniority: int) -> int | None:
    """The least-loaded eligible engineer; among equals the least senior (experts stay free for
    the hardest tickets), then the lowest id so the choice is deterministic."""
    eligible = [c for c in candidates if c.seniority >= min_seniority]
    if not eligible:
        return None
    best = min(eligible, key=lambda c: (c.open_tickets, c.seniority, c.user_id))
    return best.user_id
