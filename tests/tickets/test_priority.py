"""Impact × urgency → priority level (PROCESS §4) without a database."""

import pytest

from tickets.models import Impact, Urgency
from tickets.priority import IMPACT_ORDER, URGENCY_ORDER, default_matrix, level_for

FOUR = ("urgent", "high", "medium", "low")
THREE = ("urgent", "important", "general")
SCHEMES = [FOUR, THREE, ("s", "a", "b"), ("only",), ("hi", "lo"), tuple("123456789")]


@pytest.mark.parametrize("levels", SCHEMES)
def test_every_cell_is_filled_with_a_level_of_the_scheme(levels):
    matrix = default_matrix(levels)
    assert set(matrix) == {(i.value, u.value) for i in Impact for u in Urgency}
    assert set(matrix.values()) <= set(levels)


@pytest.mark.parametrize("levels", SCHEMES)
def test_corners(levels):
    matrix = default_matrix(levels)
    assert matrix[(Impact.CORE_BUSINESS, Urgency.CRITICAL)] == levels[0]
    assert matrix[(Impact.ONE_USER, Urgency.LOW)] == levels[-1]


@pytest.mark.parametrize("levels", SCHEMES)
def test_monotone(levels):
    """More impact or more urgency never gives a lower level (a larger index)."""
    matrix = default_matrix(levels)
    index = {(i, u): levels.index(matrix[(i.value, u.value)]) for i in Impact for u in Urgency}
    for a, impact in enumerate(IMPACT_ORDER):
        for b, urgency in enumerate(URGENCY_ORDER):
            if a > 0:
                assert index[(IMPACT_ORDER[a - 1], urgency)] <= index[(impact, urgency)]
            if b > 0:
                assert index[(impact, URGENCY_ORDER[b - 1])] <= index[(impact, urgency)]


@pytest.mark.parametrize("levels", [FOUR, THREE, ("s", "a", "b")])
def test_every_level_is_used(levels):
    assert set(default_matrix(levels).values()) == set(levels)


def test_four_level_matrix():
    m = default_matrix(FOUR)
    rows = [[m[(i.value, u.value)] for u in URGENCY_ORDER] for i in IMPACT_ORDER]
    assert rows == [
        ["urgent", "urgent", "high", "high"],
        ["urgent", "high", "high", "medium"],
        ["high", "high", "medium", "medium"],
        ["high", "medium", "medium", "low"],
    ]


def test_four_level_matrix_follows_the_source_document():
    """002: urgent = core business down or many users affected; high = one user's key
    operation blocked; low = information requests that are not urgent."""
    m = default_matrix(FOUR)
    assert m[(Impact.MANY_DEPARTMENTS, Urgency.CRITICAL)] == "urgent"
    assert m[(Impact.ONE_USER, Urgency.CRITICAL)] == "high"
    assert m[(Impact.ONE_USER, Urgency.LOW)] == "low"


@pytest.mark.parametrize("levels", SCHEMES)
def test_bands_are_even(levels):
    """Each severity (impact index + urgency index) maps to one level, and the number of
    severities per level differs by at most one: no level swallows the matrix."""
    m = default_matrix(levels)
    by_severity: dict[int, set[str]] = {}
    for a, impact in enumerate(IMPACT_ORDER):
        for b, urgency in enumerate(URGENCY_ORDER):
            by_severity.setdefault(a + b, set()).add(m[(impact.value, urgency.value)])
    assert all(len(v) == 1 for v in by_severity.values())
    widths = [sum(1 for v in by_severity.values() if level in v) for level in dict.fromkeys(levels)]
    used = [w for w in widths if w]
    assert max(used) - min(used) <= 1


def test_three_level_matrix():
    m = default_matrix(THREE)
    rows = [[m[(i.value, u.value)] for u in URGENCY_ORDER] for i in IMPACT_ORDER]
    assert rows == [
        ["urgent", "urgent", "important", "important"],
        ["urgent", "important", "important", "important"],
        ["important", "important", "important", "general"],
        ["important", "important", "general", "general"],
    ]


def test_impact_and_urgency_weigh_the_same():
    m = default_matrix(FOUR)
    for a in range(4):
        for b in range(4):
            ia, ub = IMPACT_ORDER[a].value, URGENCY_ORDER[b].value
            ib, ua = IMPACT_ORDER[b].value, URGENCY_ORDER[a].value
            assert m[(ia, ub)] == m[(ib, ua)]


def test_levels_can_be_any_objects():
    class Level:
        def __init__(self, rank: int) -> None:
            self.rank = rank

    levels = [Level(r) for r in (1, 2, 3, 4)]
    m = default_matrix(levels)
    assert m[("core", "critical")] is levels[0]
    assert m[("user", "low")] is levels[3]


def test_no_levels_is_an_error():
    with pytest.raises(ValueError):
        default_matrix([])


def test_level_for():
    m = default_matrix(FOUR)
    assert level_for("core", "critical", m) == "urgent"
    assert level_for("user", "low", m) == "low"
    assert level_for(Impact.ONE_DEPARTMENT, Urgency.MEDIUM, m) == "medium"
    with pytest.raises(ValueError):
        level_for("galaxy", "low", m)
    with pytest.raises(ValueError):
        level_for("core", "whenever", {})
