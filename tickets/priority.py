"""Impact × urgency → priority level (PROCESS §4). Pure."""

from collections.abc import Mapping, Sequence
from typing import Final, TypeVar

from .models.catalog import Impact, Urgency

IMPACT_ORDER: Final = (
    Impact.CORE_BUSINESS,
    Impact.MANY_DEPARTMENTS,
    Impact.ONE_DEPARTMENT,
    Impact.ONE_USER,
)
URGENCY_ORDER: Final = (Urgency.CRITICAL, Urgency.HIGH, Urgency.MEDIUM, Urgency.LOW)

L = TypeVar("L")


def default_matrix(levels: Sequence[L]) -> dict[tuple[str, str], L]:
    """Spread a scheme's levels (most urgent first) over the 4×4 matrix.

    The cell's severity is impact index + urgency index (0 … 6); it is scaled onto the levels,
    so core business × critical is always the top level and one user × low the bottom one.
    A cell half-way between two levels gets the more urgent one (integer arithmetic: Python's
    `round` rounds halves to even, which made the bands uneven).
    """
    if not levels:
        raise ValueError("a priority scheme needs at least one level")
    top = len(IMPACT_ORDER) + len(URGENCY_ORDER) - 2
    matrix: dict[tuple[str, str], L] = {}
    for i, impact in enumerate(IMPACT_ORDER):
        for u, urgency in enumerate(URGENCY_ORDER):
            index = (2 * (i + u) * (len(levels) - 1) + top - 1) // (2 * top)
            matrix[(impact.value, urgency.value)] = levels[index]
    return matrix


def level_for(impact: str, urgency: str, matrix: Mapping[tuple[str, str], L]) -> L:
    try:
        return matrix[(impact, urgency)]
    except KeyError:
        raise ValueError(f"no matrix cell for impact={impact!r}, urgency={urgency!r}") from None
