"""Pure rules of the resolution workflow, without the database."""

import pytest

from tickets import resolution_rules as rules
from tickets.errors import Conflict, DomainError, NotAllowed


@pytest.mark.parametrize(("rank", "needed"), [(1, 2), (2, 2), (3, 1), (4, 1), (9, 1)])
def test_required_approvals_by_canonical_rank(rank, needed):
    assert rules.required_approvals(rank) == needed


@pytest.mark.parametrize(
    ("approvers", "author", "required", "done"),
    [
        ([5], 1, 1, True),
        ([5], 1, 2, False),
        ([5, 5], 1, 2, False),
        ([5, 6], 1, 2, True),
        ([1, 5], 1, 2, False),
        ([], 1, 1, False),
    ],
)
def test_approvals_count_distinct_reviewers_other_than_the_author(
    approvers, author, required, done
):
    assert rules.approvals_complete(approvers, author_id=author, required=required) is done


def review(**overrides):
    facts = {
        "state": "submitted",
        "author_id": 1,
        "reviewer_id": 2,
        "may_review": True,
        "reviewed_this_round": set(),
        **overrides,
    }
    rules.assert_may_review(**facts)


def test_a_supervisor_may_review_a_submitted_plan():
    review()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"may_review": False}, NotAllowed),
        ({"state": "draft"}, Conflict),
        ({"state": "approved"}, Conflict),
        ({"reviewer_id": 1}, DomainError),
        ({"reviewed_this_round": {2}}, DomainError),
    ],
)
def test_who_may_not_review(overrides, error):
    with pytest.raises(error):
        review(**overrides)


def test_steps_keep_their_order_and_drop_blank_rows():
    steps = [
        {"action": " 备份 ", "command": "cp a b"},
        {"action": "", "command": "", "risk": ""},
        {"action": "重启", "risk": "中断"},
    ]
    assert rules.clean_steps(steps) == [
        {"action": "备份", "command": "cp a b", "risk": ""},
        {"action": "重启", "command": "", "risk": "中断"},
    ]


@pytest.mark.parametrize(
    "steps", [[], [{"action": ""}], "x", [{"action": "", "command": "rm -rf /"}], ["a"]]
)
def test_steps_refused(steps):
    with pytest.raises(DomainError) as refused:
        rules.clean_steps(steps)
    assert refused.value.field == "steps"


@pytest.mark.parametrize(
    ("kind", "disciplines", "ok"),
    [
        ("expert", ["support", "network"], True),
        ("expert", ["support", "support"], False),
        ("three_party", ["support", "product"], False),
        ("three_party", ["support", "product", "rnd"], True),
    ],
)
def test_consultation_disciplines(kind, disciplines, ok):
    if ok:
        rules.assert_disciplines(kind, disciplines)
    else:
        with pytest.raises(DomainError):
            rules.assert_disciplines(kind, disciplines)


def test_field_changes_lists_only_what_differs():
    old = {"root_cause": "a", "steps": [{"action": "x"}], "verification": "v", "rollback": "r"}
    new = {**old, "steps": [{"action": "y"}]}
    assert rules.field_changes(old, new) == [("steps", [{"action": "x"}], [{"action": "y"}])]
