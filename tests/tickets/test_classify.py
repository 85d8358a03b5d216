"""Keyword suggestion (PROCESS §4) without a database."""

import random

import pytest

from tickets.classify import KeywordRule, normalize, suggest

NETWORK, LOGIN, CRASH, PRINTER = 10, 20, 30, 40


def rule(id_: int, phrase: str, category: int, **kw) -> KeywordRule:
    return KeywordRule(id=id_, phrase=phrase, category_id=category, **kw)


LIBRARY = [
    rule(1, "无法登录", LOGIN, tag_ids=(100,)),
    rule(2, "连接超时", NETWORK, tag_ids=(200, 201)),
    rule(3, "连接", NETWORK),
    rule(4, "cannot log in", LOGIN, tag_ids=(101,)),
    rule(5, "crash", CRASH),
    rule(6, "vpn", NETWORK, tag_ids=(200,)),
    rule(7, "打印机", PRINTER),
]


def test_chinese_phrase():
    s = suggest("早上开始系统无法登录，提示账号错误", LIBRARY)
    assert s.category_id == LOGIN
    assert s.keyword_ids == (1,)
    assert s.tag_ids == (100,)


def test_english_phrase_is_case_insensitive():
    s = suggest("Since Monday I Cannot Log In to the portal", LIBRARY)
    assert s.category_id == LOGIN
    assert s.keyword_ids == (4,)


def test_runs_of_white_space_fold():
    assert suggest("I cannot   log\n\tin", LIBRARY).keyword_ids == (4,)


def test_full_width_text_matches_half_width_phrase():
    assert suggest("ＶＰＮ连不上", LIBRARY).keyword_ids == (6,)
    assert suggest("ＣＲＡＳＨ after update", LIBRARY).category_id == CRASH


def test_full_width_phrase_matches_half_width_text():
    rules = [rule(1, "ＥＲＲＯＲ　５００", CRASH)]
    assert suggest("got error 500 from server", rules).category_id == CRASH


def test_normalize():
    assert normalize("  ＡＢＣ　Ｄｅｆ\n１２３  ") == "abc def 123"
    assert normalize("Straße") == "strasse"


def test_longer_phrase_swallows_the_shorter_one_it_contains():
    s = suggest("数据库连接超时", LIBRARY)
    assert s.keyword_ids == (2,)
    assert s.category_id == NETWORK
    # the shorter phrase alone still matches
    assert suggest("无法连接数据库", LIBRARY).keyword_ids == (3,)


def test_swallowing_changes_the_winner():
    """连接 (network) inside 连接失败 (login here) must not vote: the longer phrase decides."""
    rules = [rule(1, "连接", NETWORK, weight=5), rule(2, "连接失败", LOGIN)]
    s = suggest("客户端连接失败", rules)
    assert s.category_id == LOGIN
    assert s.keyword_ids == (2,)
    assert NETWORK not in s.scores


def test_several_categories_vote_and_keywords_and_tags_are_reported():
    s = suggest("无法登录，而且 VPN 连接超时", LIBRARY)
    assert s.keyword_ids == (1, 2, 6)
    assert s.tag_ids == (100, 200, 201)
    # 连接超时 (4 chars) + vpn (3) for network beat 无法登录 (4) for login
    assert s.category_id == NETWORK
    assert s.scores[NETWORK] > s.scores[LOGIN]


def test_weight_changes_the_winner():
    rules = [rule(1, "报错", CRASH), rule(2, "打印", PRINTER)]
    text = "打印时报错"
    assert suggest(text, rules).category_id == CRASH  # tie → lower category id
    heavy = [rule(1, "报错", CRASH), rule(2, "打印", PRINTER, weight=3)]
    assert suggest(text, heavy).category_id == PRINTER


def test_learned_precision_changes_the_winner():
    text = "打印时报错"
    often_wrong = [rule(1, "报错", CRASH, confirmed=1, corrected=9), rule(2, "打印", PRINTER)]
    assert suggest(text, often_wrong).category_id == PRINTER
    often_right = [rule(1, "报错", CRASH), rule(2, "打印", PRINTER, confirmed=0, corrected=4)]
    assert suggest(text, often_right).category_id == CRASH


def test_precision_is_laplace_smoothed():
    assert rule(1, "x", 1).precision == pytest.approx(0.5)
    assert rule(1, "x", 1, confirmed=8).precision == pytest.approx(0.9)
    assert rule(1, "x", 1, corrected=8).precision == pytest.approx(0.1)
    assert rule(1, "x", 1, confirmed=3, corrected=3).precision == pytest.approx(0.5)


def test_score_is_weight_times_length_times_precision():
    s = suggest("打印机卡纸", [rule(1, "打印机", PRINTER, weight=2, confirmed=2)])
    assert s.scores == {PRINTER: pytest.approx(2 * 3 * 0.75)}


def test_tie_goes_to_the_lower_category_id_whatever_the_order():
    rules = [rule(1, "蓝屏", 7), rule(2, "死机", 3)]
    text = "电脑蓝屏后死机"
    assert suggest(text, rules).category_id == 3
    assert suggest(text, list(reversed(rules))).category_id == 3


def test_tie_on_score_goes_to_the_longest_phrase_first():
    # category 9: one 4-character phrase (score 4 × ½ = 2);
    # category 1: two 2-character phrases (2 × ½ + 2 × ½ = 2)
    rules = [rule(1, "数据丢失", 9), rule(2, "报错", 1), rule(3, "重启", 1)]
    s = suggest("重启后报错，数据丢失", rules)
    assert s.scores[9] == pytest.approx(s.scores[1])
    assert s.category_id == 9


def test_result_does_not_depend_on_rule_order():
    rng = random.Random(20261121)
    text = "无法登录，而且 VPN 连接超时，打印机 crash"
    expected = suggest(text, LIBRARY)
    for _ in range(20):
        shuffled = LIBRARY[:]
        rng.shuffle(shuffled)
        assert suggest(text, shuffled) == expected


def test_no_match():
    s = suggest("今天天气很好", LIBRARY)
    assert s.category_id is None
    assert s.keyword_ids == ()
    assert s.tag_ids == ()
    assert suggest("", LIBRARY).category_id is None
    assert suggest("anything", []).category_id is None


def test_empty_phrase_never_matches():
    assert suggest("some text", [rule(1, "", LOGIN)]).category_id is None
    assert suggest("some text", [rule(1, "   ", LOGIN)]).category_id is None


def test_same_phrase_in_two_spellings_votes_twice():
    rules = [rule(1, "VPN", NETWORK), rule(2, "ｖｐｎ", NETWORK), rule(3, "登录", LOGIN)]
    s = suggest("vpn 登录", rules)
    assert s.keyword_ids == (1, 2, 3)
    assert s.category_id == NETWORK
