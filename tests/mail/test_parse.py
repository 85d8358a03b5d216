"""Parsing real message files: charsets, HTML, quoted history, automatic mail. No database."""

from pathlib import Path

import pytest

from tickets.mail.parse import (
    MalformedEmail,
    codec_for,
    decode_bytes,
    html_to_text,
    parse_email,
    strip_quoted,
)

MESSAGES = Path(__file__).parent / "messages"


def load(name: str):
    return parse_email((MESSAGES / name).read_bytes())


def test_utf8_message_with_attachment():
    parsed = load("new_ticket_utf8.eml")
    assert parsed.message_id == "<new-utf8-0001@acme.example>"
    assert parsed.from_address == "alice@example.com"
    assert parsed.from_name == "爱丽丝"
    assert parsed.subject == "ERP 服务器无法登录"
    assert "无法登录 ERP 服务器" in parsed.text
    assert parsed.cc == ["boss@acme.example"]
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("erp.log", "text/plain")]
    assert parsed.auto_reason == ""
    assert parsed.date.utcoffset().total_seconds() == 8 * 3600


def test_gb2312_label_is_decoded_as_gb18030():
    parsed = load("gbk_labelled_gb2312.eml")
    assert parsed.subject == "喆的打印机故障"
    assert "陈喆和王堃" in parsed.text
    assert "\ufffd" not in parsed.text + parsed.subject


def test_big5():
    parsed = load("big5.eml")
    assert parsed.subject == "印表機無法連線"
    assert "三樓的印表機" in parsed.text


def test_unknown_charset_falls_back():
    parsed = load("unknown_charset.eml")
    assert parsed.subject == "VPN 断开"
    assert "每隔十分钟" in parsed.text


@pytest.mark.parametrize(
    ("label", "codec"),
    [("GB2312", "gb18030"), ("gbk", "gb18030"), ("Big5", "big5hkscs"), ("x-nope", None)],
)
def test_charset_aliases(label, codec):
    assert codec_for(label) == codec


def test_undecodable_bytes_never_raise():
    assert decode_bytes(b"\xff\xfe\xfa", "utf-8")


def test_html_is_sanitised_and_converted_to_text():
    parsed = load("html_only.eml")
    assert "<script" not in parsed.html
    assert "onclick" not in parsed.html
    assert "javascript:" not in parsed.html
    assert "<b>备份</b>" in parsed.html
    assert [line for line in parsed.text.splitlines() if line] == [
        "数据库备份失败",
        "错误：ORA-01555",
        "请协助",
        "link",
    ]
    assert "alert" not in parsed.text and "color:red" not in parsed.text


def test_html_to_text_drops_blockquotes():
    assert html_to_text("<p>new</p><blockquote><p>old</p></blockquote>") == "new"


def test_quoted_history_is_stripped_chinese_client():
    parsed = load("reply_in_reply_to.eml")
    assert strip_quoted(parsed.text) == "好的，我已经重启了交换机，现在可以登录了。"
    assert parsed.thread_ids == [
        "<ack-0001@helpdesk.test>",
        "<ticket-root@helpdesk.test>",
    ]


def test_quoted_history_is_stripped_english_client():
    parsed = load("reply_english_quoted.eml")
    assert strip_quoted(parsed.text) == "Restarted the switch, it works now."
    assert parsed.subject_number == "TS-20261123-001"


def test_a_message_that_is_only_a_quote_keeps_its_text():
    assert strip_quoted("> only quoted") == "> only quoted"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("auto_reply.eml", "Auto-Submitted: auto-replied"),
        ("bulk.eml", "Precedence: bulk"),
        ("bounce.eml", "delivery report"),
    ],
)
def test_automatic_mail_is_recognised(name, reason):
    assert load(name).auto_reason == reason


def test_people_write_without_auto_reason():
    assert load("unknown_sender.eml").auto_reason == ""


@pytest.mark.parametrize("raw", [b"", b"   ", (MESSAGES / "malformed.eml").read_bytes()])
def test_malformed_messages_raise(raw):
    with pytest.raises(MalformedEmail):
        parse_email(raw)
