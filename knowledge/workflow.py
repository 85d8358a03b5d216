"""The article lifecycle as data (pure, no database): draft → in review → published → retired."""

from typing import Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.errors import InvalidTransition, NotAllowed

from .models import ArticleStatus as S

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    S.DRAFT: frozenset({S.IN_REVIEW, S.RETIRED}),
    S.IN_REVIEW: frozenset({S.DRAFT, S.PUBLISHED}),
    S.PUBLISHED: frozenset({S.DRAFT, S.RETIRED}),
    S.RETIRED: frozenset({S.DRAFT}),
}

# Moves that decide on someone else's work: only a reviewer, and never the author.
REVIEW_MOVES: Final[frozenset[tuple[str, str]]] = frozenset(
    {(S.IN_REVIEW, S.PUBLISHED), (S.IN_REVIEW, S.DRAFT)}
)


def allowed_targets(src: str) -> list[str]:
    return [s for s in S.values if s in TRANSITIONS[src]]


def assert_can_transition(src: str, dst: str) -> None:
    if dst not in TRANSITIONS[src]:
        raise InvalidTransition(
            src,
            dst,
            _("An article cannot move from “%(src)s” to “%(dst)s”.")
            % {"src": S(src).label, "dst": S(dst).label},
        )


def assert_may_move(
    *, src: str, dst: str, is_author: bool, may_write: bool, may_review: bool
) -> None:
    """Who may make a move: reviewing needs the reviewer role and someone other than the author;
    anything else needs the writer role."""
    assert_can_transition(src, dst)
    if (src, dst) in REVIEW_MOVES:
        if not may_review:
            raise NotAllowed(_("Only a reviewer (supervisor or expert) may decide on a review."))
        if is_author:
            raise NotAllowed(_("The author cannot review their own article."))
        return
    if dst == S.RETIRED and not may_review:
        raise NotAllowed(_("Only a reviewer may retire an article."))
    if not may_write:
        raise NotAllowed(_("You may not change knowledge articles."))


# What the button that makes each move says (the target status is the outcome, not the action).
ACTION_LABELS: Final = {
    S.DRAFT: gettext_lazy("Back to draft"),
    S.IN_REVIEW: gettext_lazy("Submit for review"),
    S.PUBLISHED: gettext_lazy("Publish"),
    S.RETIRED: gettext_lazy("Retire"),
}
