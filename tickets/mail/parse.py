"""Reading an RFC 822 message into what the helpdesk needs. Pure: no ORM, no clock.

Charsets: Chinese mail often labels GBK (even GB18030) text as gb2312, and the stdlib then turns
every GBK-only character into U+FFFD; every GB label is decoded as gb18030, Big5 as big5hkscs
(its superset), and an unknown label is tried as UTF-8, then GB18030, then Latin-1.
"""

import codecs
import html as html_lib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import Header, decode_header
from email.message import Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime

import nh3
from mailparser_reply import EmailReplyParser

CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cp950": "big5hkscs",
}
FALLBACK_CHARSETS = ("utf-8", "gb18030", "latin-1")

AUTO_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|noreply)@", re.IGNORECASE)
NUMBER_IN_SUBJECT = re.compile(r"\b((?:TS|RD)-\d{8}-\d{3,})\b")
MESSAGE_ID = re.compile(r"<[^<>\s]+>")

# Lines where the quoted history starts, as Chinese and English mail clients write them.
QUOTE_STARTS = [
    re.compile(p)
    for p in (
        r"^-{2,}\s*(原始邮件|Original Message|Original)\s*-{2,}",
        r"^-{5,}\s*Forwarded message",
        r"^在.{4,80}写道[:：]?\s*$",
        r"^(发件人|From)\s*[:：].+",
        r"^On .{4,200} wrote:\s*$",
        r"^_{10,}\s*$",
    )
]


class MalformedEmail(ValueError):
    """The message cannot be understood; it is quarantined with its raw source."""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes


@dataclass
class ParsedEmail:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    date: object  # datetime | None
    text: str
    html: str
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_reason: str = ""

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, nearest first."""
        seen: list[str] = []
        for mid in [*self.in_reply_to, *reversed(self.references)]:
            if mid not in seen:
                seen.append(mid)
        return seen

    @property
    def subject_number(self) -> str:
        match = NUMBER_IN_SUBJECT.search(self.subject)
        return match.group(1) if match else ""


def codec_for(charset: str | None) -> str | None:
    if not charset:
        return None
    name = charset.strip().strip('"').lower()
    name = CHARSET_ALIASES.get(name, name)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return CHARSET_ALIASES.get(codecs.lookup(name).name, name)


def decode_bytes(data: bytes, charset: str | None) -> str:
    codec = codec_for(charset)
    if codec is not None:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    for fallback in FALLBACK_CHARSETS:
        try:
            return data.decode(fallback)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")  # pragma: no cover (latin-1 decodes anything)


def decode_header_value(value: "str | Header | None") -> str:
    """An RFC 2047 header with our charset rules; raw 8-bit headers are tried as UTF-8/GB18030
    (compat32 hands those over as a Header of "unknown-8bit" chunks)."""
    if not value:
        return ""
    parts = []
    for chunk, charset in decode_header(value):
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(chunk)
    return " ".join("".join(parts).split())


def html_to_text(markup: str) -> str:
    """Sanitised HTML as readable text: block ends become line breaks."""
    cleaned = nh3.clean(markup, tags={"p", "br", "div", "li", "tr", "blockquote"}, attributes={})
    cleaned = re.sub(r"(?i)<br\s*/?>", "\n", cleaned)
    cleaned = re.sub(r"(?i)</(p|div|li|tr)>", "\n", cleaned)
    cleaned = re.sub(r"(?is)<blockquote>.*?</blockquote>", "\n", cleaned)
    text = html_lib.unescape(nh3.clean(cleaned, tags=set()))
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def sanitise_html(markup: str) -> str:
    return nh3.clean(markup)


def strip_quoted(text: str) -> str:
    """The new part of a reply: quoted history, signatures separators and `>` lines removed."""
    text = text.replace("\r\n", "\n")
    reply = EmailReplyParser(languages=["en", "zh"]).parse_reply(text) or text
    kept = []
    for line in reply.split("\n"):
        stripped = line.strip()
        if any(p.match(stripped) for p in QUOTE_STARTS):
            break
        kept.append(line)
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()


def auto_reason(msg: Message, from_address: str) -> str:
    """Why this looks like an automatic reply or a bounce ("" when it is written by a person)."""
    auto_submitted = (msg.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = (msg.get("Precedence") or "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for header in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if msg.get(header):
            return header
    if (msg.get("X-Auto-Response-Suppress") or "").strip().lower() in ("all", "oof"):
        return "X-Auto-Response-Suppress"
    if msg.get_content_type() == "multipart/report":
        return "delivery report"
    if msg.get("X-Failed-Recipients"):
        return "X-Failed-Recipients"
    if (msg.get("Return-Path") or "").strip() == "<>":
        return "empty Return-Path"
    if AUTO_SENDERS.match(from_address):
        return f"sender {from_address}"
    return ""


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value or "")


def _addresses(msg: Message, name: str) -> list[str]:
    values = [decode_header_value(v) for v in msg.get_all(name, [])]
    return [addr.lower() for _n, addr in getaddresses(values) if "@" in addr]


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if payload is None:
        return ""
    return decode_bytes(payload, part.get_content_charset())


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse one message; raises MalformedEmail when it has no usable sender."""
    if not raw or not raw.strip():
        raise MalformedEmail("empty message")
    msg = message_from_bytes(raw, policy=policy.compat32)
    if not msg.keys():
        raise MalformedEmail("no headers")
    from_name, from_address = parseaddr(decode_header_value(msg.get("From")))
    from_address = from_address.strip().lower()
    if not from_address or "@" not in from_address or " " in from_address:
        raise MalformedEmail("no valid From address")
    texts, htmls, attachments = [], [], []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = part.get_filename()
        if filename or disposition == "attachment":
            content = part.get_payload(decode=True) or b""
            name = decode_header_value(filename) if filename else "attachment"
            attachments.append(ParsedAttachment(name[:200], ctype, content))
        elif ctype == "text/plain":
            texts.append(_part_text(part))
        elif ctype == "text/html":
            htmls.append(_part_text(part))
    html = "\n".join(htmls)
    text = "\n".join(texts).strip() if texts else html_to_text(html)
    try:
        date = parsedate_to_datetime(msg.get("Date")) if msg.get("Date") else None
    except (TypeError, ValueError):
        date = None
    if date is not None and date.tzinfo is None:
        date = None
    return ParsedEmail(
        message_id=(_ids(msg.get("Message-ID", "")) or [""])[0][:250],
        in_reply_to=_ids(msg.get("In-Reply-To", "")),
        references=_ids(msg.get("References", "")),
        subject=decode_header_value(msg.get("Subject"))[:300],
        from_address=from_address,
        from_name=from_name.strip()[:100],
        to=_addresses(msg, "To"),
        cc=_addresses(msg, "Cc"),
        date=date,
        text=text.replace("\r\n", "\n"),
        html=sanitise_html(html) if html else "",
        attachments=attachments,
        auto_reason=auto_reason(msg, from_address),
    )
