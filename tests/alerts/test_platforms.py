"""Each chat platform's format and signature, and the webhook signature. No database."""

import base64
import hashlib
import hmac
import json

import pytest

from tickets.alerts import platforms

NOW = 1795400000.123


def test_dingtalk_signs_timestamp_and_secret_in_the_url():
    request = platforms.robot_request(
        platform="dingtalk",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=abc",
        secret="SECxyz",
        title="T",
        text="body",
        url="http://h/t",
        now=NOW,
    )
    assert request.url.startswith(
        "https://oapi.dingtalk.com/robot/send?access_token=abc&timestamp=1795400000123&sign="
    )
    expected = base64.b64encode(
        hmac.new(b"SECxyz", b"1795400000123\nSECxyz", hashlib.sha256).digest()
    ).decode()
    assert platforms.dingtalk_sign("SECxyz", 1795400000123) == expected
    body = json.loads(request.body)
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "T"


def test_feishu_signs_in_the_body():
    request = platforms.robot_request(
        platform="feishu",
        webhook_url="https://open.feishu.cn/hook/x",
        secret="s3",
        title="T",
        text="告警",
        url="",
        now=NOW,
    )
    body = json.loads(request.body)
    assert body["timestamp"] == "1795400000"
    expected = base64.b64encode(hmac.new(b"1795400000\ns3", b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == expected
    assert body["msg_type"] == "text" and body["content"]["text"] == "T\n告警"
    assert request.url == "https://open.feishu.cn/hook/x"


def test_wecom_keeps_its_key_and_is_unsigned():
    request = platforms.robot_request(
        platform="wecom",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
        secret="ignored",
        title="T",
        text="x",
        url="",
        now=NOW,
    )
    assert request.url == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
    assert json.loads(request.body)["msgtype"] == "markdown"


def test_unknown_platform():
    with pytest.raises(ValueError):
        platforms.robot_request(
            platform="x", webhook_url="u", secret="", title="", text="", url="", now=NOW
        )


@pytest.mark.parametrize(
    ("platform", "status", "body", "ok"),
    [
        ("dingtalk", 200, b'{"errcode":0,"errmsg":"ok"}', True),
        ("dingtalk", 200, b'{"errcode":310000,"errmsg":"sign not match"}', False),
        ("feishu", 200, b'{"code":19021,"msg":"sign match fail"}', False),
        ("wecom", 500, b"oops", False),
        ("wecom", 200, b"not json", False),
    ],
)
def test_robot_answers(platform, status, body, ok):
    assert platforms.robot_accepted(platform, status, body)[0] is ok


def test_webhook_signature_covers_timestamp_and_body():
    request = platforms.webhook_request(
        url="http://x",
        secret="k",
        event="ticket.created",
        delivery_id="d1",
        payload={"a": 1},
        now=NOW,
    )
    ts = request.headers["X-Helpdesk-Timestamp"]
    mac = hmac.new(b"k", f"{ts}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Helpdesk-Signature"] == f"sha256={mac}"
    assert request.headers["X-Helpdesk-Delivery"] == "d1"
