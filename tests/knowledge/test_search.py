"""The pure search module: segmentation, query tokens, scoring, snippets (no database)."""

from knowledge import search


def test_chinese_is_segmented_into_words():
    tokens = search.segment("无法登录系统，提示密码错误")
    assert "登录" in tokens
    assert "密码" in tokens
    assert "，" not in tokens


def test_query_and_document_share_words():
    query = set(search.query_tokens("登录失败"))
    document = set(search.segment("用户无法登录系统"))
    assert query & document == {"登录"}


def test_english_is_lowercased_and_stop_words_dropped():
    assert search.segment("The VPN Connection drops") == ["vpn", "connection", "drops"]


def test_query_tokens_are_distinct_and_capped():
    tokens = search.query_tokens(" ".join(f"word{i} word{i}" for i in range(30)))
    assert len(tokens) == search.MAX_QUERY_TOKENS
    assert len(set(tokens)) == len(tokens)


def test_raw_tsquery_ors_tokens_and_prefixes_latin():
    assert search.raw_tsquery(["登录", "error", "80"]) == "'登录' | 'error' | '80'"
    assert search.raw_tsquery(["登录", "error", "80"], "&", prefix=True) == (
        "'登录' & 'error':* & '80'"
    )


def test_bucket_lexemes_group_ids_and_cannot_be_typed():
    assert search.bucket_lexeme(98_765, 10_000) == "~9"
    assert search.bucket_lexeme(9_999, 10_000) == "~0"
    assert search.buckets_tsquery(3, 5) == "'~3' | '~4' | '~5'"
    assert not any(t.startswith("~") for t in search.query_tokens("~9 ~98 '~9'"))


def test_typo_matches_close_word():
    assert search.fuzzy_match("pasword", {"password", "reset"}) == "password"
    assert search.fuzzy_match("abc", {"abd"}) is None  # too short to guess
    assert search.fuzzy_match("登陆", {"登录"}) is None  # only Latin words


def test_score_prefers_title_and_coverage():
    tokens = search.query_tokens("vpn error")
    in_title = search.score_document(tokens, {"title": ("VPN error 809", 4.0)})
    in_body = search.score_document(tokens, {"title": ("x", 4.0), "body": ("vpn error", 1.0)})
    one_word = search.score_document(tokens, {"title": ("VPN setup", 4.0)})
    assert in_title.score > in_body.score > 0
    assert in_title.score > one_word.score
    assert search.score_document(tokens, {"title": ("打印机", 4.0)}).score == 0


def test_score_reports_typos_as_fuzzy():
    match = search.score_document(["pasword"], {"title": ("Password reset", 4.0)})
    assert match.fields == {"title": ["password"]}
    assert match.fuzzy == ["pasword"]


def test_highlight_escapes_everything_but_marks():
    html = search.highlight('<script>alert(1)</script> 无法登录 "x"', ["登录"])
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<mark>登录</mark>" in html


def test_highlight_cuts_around_first_match():
    text = "a" * 500 + " needle " + "b" * 500
    html = search.highlight(text, ["needle"], width=100)
    assert html.startswith("…") and html.endswith("…")
    assert "<mark>needle</mark>" in html


def test_explain_lists_fields_with_terms():
    assert search.explain(["登录"], {"title": "无法登录", "solution": "重启"}) == {
        "title": ["登录"]
    }
