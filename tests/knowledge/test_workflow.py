"""The article lifecycle table and who may move it (no database)."""

import pytest

from knowledge import workflow
from knowledge.models import ArticleStatus as S
from tickets.errors import InvalidTransition, NotAllowed

WRITER = {"is_author": True, "may_write": True, "may_review": False}
REVIEWER = {"is_author": False, "may_write": True, "may_review": True}


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        (S.DRAFT, S.IN_REVIEW),
        (S.IN_REVIEW, S.PUBLISHED),
        (S.PUBLISHED, S.RETIRED),
        (S.RETIRED, S.DRAFT),
    ],
)
def test_declared_moves_are_allowed(src, dst):
    workflow.assert_can_transition(src, dst)


@pytest.mark.parametrize(
    ("src", "dst"), [(S.DRAFT, S.PUBLISHED), (S.RETIRED, S.PUBLISHED), (S.DRAFT, S.DRAFT)]
)
def test_other_moves_are_refused(src, dst):
    with pytest.raises(InvalidTransition):
        workflow.assert_can_transition(src, dst)


def test_author_submits_but_cannot_publish_own_article():
    workflow.assert_may_move(src=S.DRAFT, dst=S.IN_REVIEW, **WRITER)
    with pytest.raises(NotAllowed):
        workflow.assert_may_move(
            src=S.IN_REVIEW, dst=S.PUBLISHED, **{**REVIEWER, "is_author": True}
        )


def test_reviewer_publishes_and_rejects():
    workflow.assert_may_move(src=S.IN_REVIEW, dst=S.PUBLISHED, **REVIEWER)
    workflow.assert_may_move(src=S.IN_REVIEW, dst=S.DRAFT, **REVIEWER)


def test_writer_without_review_role_cannot_publish_or_retire():
    other = {**WRITER, "is_author": False}
    with pytest.raises(NotAllowed):
        workflow.assert_may_move(src=S.IN_REVIEW, dst=S.PUBLISHED, **other)
    with pytest.raises(NotAllowed):
        workflow.assert_may_move(src=S.PUBLISHED, dst=S.RETIRED, **other)


def test_reader_cannot_submit():
    with pytest.raises(NotAllowed):
        workflow.assert_may_move(
            src=S.DRAFT, dst=S.IN_REVIEW, is_author=False, may_write=False, may_review=False
        )


def test_allowed_targets_in_declared_order():
    assert workflow.allowed_targets(S.IN_REVIEW) == [S.DRAFT, S.PUBLISHED]


def test_every_move_has_a_button_label():
    assert set(workflow.ACTION_LABELS) == set(S)
