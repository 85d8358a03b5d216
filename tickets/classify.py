"""Keyword classification (PROCESS §4). Pure: rules in, suggestion out."""

import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class KeywordRule:
    id: int
    phrase: str
    category_id: int
    weight: int = 1
    tag_ids: tuple[int, ...] = ()
    confirmed: int = 0
    corrected: int = 0

    @property
    def precision(self) -> float:
        """Laplace-smoothed share of agents' decisions that kept this keyword's category."""
        return (self.confirmed + 1) / (self.confirmed + self.corrected + 2)


@dataclass(frozen=True)
class Suggestion:
    category_id: int | None
    keyword_ids: tuple[int, ...] = ()
    tag_ids: tuple[int, ...] = ()
    scores: dict[int, float] = field(default_factory=dict)


def normalize(text: str) -> str:
    """Fold width (全角→半角), case and runs of white space so phrases match as people type them."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.split())


def suggest(text: str, rules: Iterable[KeywordRule]) -> Suggestion:
    """Every matching phrase votes for its category with weight × length × learned precision.

    A phrase contained in a longer matching phrase (连接 inside 连接超时) does not vote twice.
    Ties go to the category whose best phrase is longest, then to the lower category id.
    """
    haystack = normalize(text)
    hits = [(r, p) for r in rules if (p := normalize(r.phrase)) and p in haystack]
    phrases = [p for _r, p in hits]
    kept = [r for r, p in hits if not any(p != other and p in other for other in phrases)]
    if not kept:
        return Suggestion(category_id=None)
    scores: dict[int, float] = defaultdict(float)
    longest: dict[int, int] = defaultdict(int)
    for r in kept:
        n = len(normalize(r.phrase))
        scores[r.category_id] += r.weight * n * r.precision
        longest[r.category_id] = max(longest[r.category_id], n)
    best = min(scores, key=lambda c: (-round(scores[c], 9), -longest[c], c))
    tag_ids = tuple(sorted({t for r in kept for t in r.tag_ids}))
    return Suggestion(
        category_id=best,
        keyword_ids=tuple(sorted(r.id for r in kept)),
        tag_ids=tag_ids,
        scores=dict(scores),
    )
