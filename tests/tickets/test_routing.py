"""Dispatch rules (PROCESS §5) without a database."""

import pytest

from tickets.routing import Candidate, Rule, match_rule, min_seniority_for, pick_assignee

HARDWARE, SERVER, PRINTER, NETWORK = 1, 11, 12, 2
PL_ERP, PL_CRM = 100, 200


def match(rules, category=None, parent=None, product_line=None):
    return match_rule(
        rules, category_id=category, parent_category_id=parent, product_line_id=product_line
    )


def test_category_matches():
    r = Rule(id=1, team_id=1, category_id=SERVER)
    assert match([r], SERVER, HARDWARE) == r
    assert match([r], PRINTER, HARDWARE) is None
    assert match([r], NETWORK) is None


def test_main_category_matches_its_sub_categories():
    r = Rule(id=1, team_id=1, category_id=HARDWARE)
    assert match([r], SERVER, HARDWARE) == r
    assert match([r], PRINTER, HARDWARE) == r
    assert match([r], HARDWARE, None) == r
    assert match([r], NETWORK, None) is None


def test_sub_category_rule_does_not_match_its_parent():
    r = Rule(id=1, team_id=1, category_id=SERVER)
    assert match([r], HARDWARE, None) is None


def test_rule_with_category_does_not_match_an_unclassified_ticket():
    assert match([Rule(id=1, team_id=1, category_id=HARDWARE)]) is None


def test_product_line():
    r = Rule(id=1, team_id=1, product_line_id=PL_ERP)
    assert match([r], SERVER, HARDWARE, PL_ERP) == r
    assert match([r], product_line=PL_ERP) == r
    assert match([r], SERVER, HARDWARE, PL_CRM) is None
    assert match([r], SERVER, HARDWARE, None) is None


def test_both_conditions_must_hold():
    r = Rule(id=1, team_id=1, category_id=HARDWARE, product_line_id=PL_ERP)
    assert match([r], SERVER, HARDWARE, PL_ERP) == r
    assert match([r], SERVER, HARDWARE, PL_CRM) is None
    assert match([r], NETWORK, None, PL_ERP) is None


def test_empty_rule_matches_everything():
    r = Rule(id=1, team_id=1)
    assert match([r]) == r
    assert match([r], SERVER, HARDWARE, PL_CRM) == r


def test_first_match_wins():
    specific = Rule(id=1, team_id=10, category_id=SERVER, product_line_id=PL_ERP)
    by_category = Rule(id=2, team_id=20, category_id=HARDWARE)
    fallback = Rule(id=3, team_id=30)
    rules = [specific, by_category, fallback]
    assert match(rules, SERVER, HARDWARE, PL_ERP) == specific
    assert match(rules, SERVER, HARDWARE, PL_CRM) == by_category
    assert match(rules, NETWORK) == fallback
    # order is the caller's: a catch-all first shadows everything
    assert match([fallback, specific], SERVER, HARDWARE, PL_ERP) == fallback


def test_no_rules():
    assert match([], SERVER, HARDWARE, PL_ERP) is None


def test_min_seniority_for():
    table = [(1, 3), (2, 2)]
    assert min_seniority_for(1, table) == 3
    assert min_seniority_for(2, table) == 2
    assert min_seniority_for(3, table) == 1
    assert min_seniority_for(9, table, default=2) == 2
    assert min_seniority_for(1, []) == 1


def c(user_id: int, seniority: int, open_tickets: int) -> Candidate:
    return Candidate(user_id=user_id, seniority=seniority, open_tickets=open_tickets)


def test_least_loaded_wins():
    assert pick_assignee([c(1, 1, 5), c(2, 1, 2), c(3, 1, 3)], min_seniority=1) == 2


def test_min_seniority_filters_before_load():
    pool = [c(1, 1, 0), c(2, 2, 4), c(3, 3, 6)]
    assert pick_assignee(pool, min_seniority=1) == 1
    assert pick_assignee(pool, min_seniority=2) == 2
    assert pick_assignee(pool, min_seniority=3) == 3


def test_tie_goes_to_the_least_senior():
    assert pick_assignee([c(1, 3, 2), c(2, 2, 2), c(3, 2, 4)], min_seniority=1) == 2


def test_then_to_the_lowest_id():
    pool = [c(9, 2, 1), c(4, 2, 1), c(7, 2, 1)]
    assert pick_assignee(pool, min_seniority=1) == 4
    assert pick_assignee(list(reversed(pool)), min_seniority=1) == 4


@pytest.mark.parametrize("pool", [[], [c(1, 1, 0), c(2, 2, 0)]])
def test_nobody_eligible(pool):
    assert pick_assignee(pool, min_seniority=3) is None


def test_accepts_a_generator():
    assert pick_assignee((c(i, 1, 10 - i) for i in range(1, 4)), min_seniority=1) == 3
