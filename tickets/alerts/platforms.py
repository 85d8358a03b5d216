"""Each chat platform's message format and signature. Pure: no ORM, no clock inside."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit


@dataclass(frozen=True)
class Request:
    url: str
    body: bytes
    headers: dict[str, str]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(secret, "{timestamp_ms}\\n{secret}")), as DingTalk verifies it."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key="{timestamp_s}\\n{secret}", msg=b"")), as Feishu verifies it."""
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    query.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def _json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def _markdown(title: str, text: str, url: str) -> str:
    lines = [f"### {title}"]
    if text:
        lines.append(text)
    if url:
        lines.append(f"[{url}]({url})")
    return "\n\n".join(lines)


def robot_request(
    *, platform: str, webhook_url: str, secret: str, title: str, text: str, url: str, now: float
) -> Request:
    """The HTTP request that posts one alert to a group robot of `platform`."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if platform == "wecom":
        body = {"msgtype": "markdown", "markdown": {"content": _markdown(title, text, url)}}
        return Request(webhook_url, _json(body), headers)
    if platform == "dingtalk":
        target = webhook_url
        if secret:
            timestamp_ms = int(now * 1000)
            target = _with_query(
                webhook_url,
                timestamp=str(timestamp_ms),
                sign=dingtalk_sign(secret, timestamp_ms),
            )
        body = {
            "msgtype": "markdown",
            "markdown": {"title": title, "text": _markdown(title, text, url)},
        }
        return Request(target, _json(body), headers)
    if platform == "feishu":
        content = "\n".join(part for part in (title, text, url) if part)
        body: dict = {"msg_type": "text", "content": {"text": content}}
        if secret:
            timestamp_s = int(now)
            body = {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s), **body}
        return Request(webhook_url, _json(body), headers)
    raise ValueError(f"unknown platform {platform!r}")


def robot_accepted(platform: str, status_code: int, body: bytes) -> tuple[bool, str]:
    """Robots answer HTTP 200 with an error code in the JSON; 0 means delivered."""
    if not 200 <= status_code < 300:
        return False, f"HTTP {status_code}: {body[:500].decode(errors='replace')}"
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        return False, f"not JSON: {body[:200].decode(errors='replace')}"
    code = data.get("code" if platform == "feishu" else "errcode", 0)
    if code not in (0, "0", None):
        message = data.get("msg") or data.get("errmsg") or ""
        return False, f"error {code}: {message}"
    return True, ""


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 over "{timestamp}." + body; receivers recompute it and compare."""
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_request(
    *, url: str, secret: str, event: str, delivery_id: str, payload: dict, now: float
) -> Request:
    body = _json(payload)
    timestamp = int(now)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "helpdesk-webhooks/1",
        "X-Helpdesk-Event": event,
        "X-Helpdesk-Delivery": delivery_id,
        "X-Helpdesk-Timestamp": str(timestamp),
        "X-Helpdesk-Signature": f"sha256={webhook_signature(secret, timestamp, body)}",
    }
    return Request(url, body, headers)
