"""Segmentation, ranking, snippets and "why it matched" (pure: no database, no settings).

Chinese has no spaces, so every text is segmented with jieba (`cut_for_search`, which also emits
the shorter words inside long ones) into lower-case word tokens. The same function segments the
stored text and the query, so a query for "登录失败" shares the token "登录" with "无法登录".
PostgreSQL stores the space-joined tokens in a `simple` tsvector; SQLite scores a bounded
candidate set here with `score_document`, which also tolerates typos through `difflib`.
"""

import difflib
import html
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import jieba

jieba.setLogLevel(logging.WARNING)

_WORD = re.compile(r"\w+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "或",
        "及",
        "也",
        "都",
        "就",
        "而",
        "被",
        "把",
        "对",
        "中",
        "时",
        "后",
        "我",
        "你",
        "他",
        "她",
        "它",
        "我们",
        "请",
        "吗",
        "呢",
        "啊",
        "a",
        "an",
        "the",
        "of",
        "to",
        "is",
        "are",
        "was",
        "be",
        "and",
        "or",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "it",
        "this",
        "that",
        "as",
        "from",
    ]
)
MAX_QUERY_TOKENS = 12
FUZZY_CUTOFF = 0.8
FUZZY_MIN_LENGTH = 4


@lru_cache(maxsize=1)
def _warm() -> None:
    jieba.initialize()


def segment(text: str) -> list[str]:
    """The word tokens of a text, in order, lower-case, without punctuation and stop words."""
    if not text:
        return []
    _warm()
    tokens = []
    for piece in jieba.cut_for_search(text.lower()):
        for word in _WORD.findall(piece):
            if word not in STOP_WORDS and (len(word) > 1 or _CJK.match(word) or word.isdigit()):
                tokens.append(word)
    return tokens


def tokens_text(*texts: str) -> str:
    """The stored form: every text segmented, space-joined."""
    return " ".join(token for text in texts for token in segment(text))


def query_tokens(text: str) -> list[str]:
    """The distinct tokens of a query, longest first so that the best words survive the cap."""
    seen: dict[str, None] = {}
    for token in segment(text):
        seen.setdefault(token, None)
    ordered = sorted(enumerate(seen), key=lambda pair: (-len(pair[1]), pair[0]))
    return [token for _index, token in ordered[:MAX_QUERY_TOKENS]]


def prefixable(token: str) -> bool:
    """Latin and digit tokens of three characters or more also match as prefixes."""
    return token.isascii() and len(token) >= 3


def raw_tsquery(tokens: Iterable[str], operator: str = "|", *, prefix: bool = False) -> str:
    """A PostgreSQL `to_tsquery('simple', …)` text joining the tokens with `|` (any) or `&`
    (all); with `prefix`, Latin and digit tokens also match as prefixes (partial numbers and
    codes, the start of a word)."""
    parts = []
    for token in tokens:
        if not _WORD.fullmatch(token):
            continue
        parts.append(f"'{token}':*" if prefix and prefixable(token) else f"'{token}'")
    return f" {operator} ".join(parts)


def _bucket(number: int) -> str:
    return f"~{number}"  # "~" never survives segmentation: no query word can equal it


def bucket_lexeme(pk: int, size: int) -> str:
    """The search vector's lexeme for the bucket of an id."""
    return _bucket(pk // size)


def buckets_tsquery(lo: int, hi: int) -> str:
    """A tsquery text matching any of the buckets lo…hi (cast, not parsed)."""
    return " | ".join(f"'{_bucket(number)}'" for number in range(lo, hi + 1))


def fuzzy_match(token: str, vocabulary: Iterable[str]) -> str | None:
    """A vocabulary word close to a Latin token (a typo), or None."""
    if len(token) < FUZZY_MIN_LENGTH or not token.isascii():
        return None
    candidates = [w for w in vocabulary if w.isascii() and abs(len(w) - len(token)) <= 2]
    found = difflib.get_close_matches(token, candidates, n=1, cutoff=FUZZY_CUTOFF)
    return found[0] if found else None


@dataclass
class Match:
    """Why a document matched: per field, the query words found (exactly or approximately)."""

    score: float = 0.0
    fields: dict[str, list[str]] = field(default_factory=dict)
    fuzzy: list[str] = field(default_factory=list)

    @property
    def terms(self) -> list[str]:
        found = {t for words in self.fields.values() for t in words}
        return sorted(found, key=len, reverse=True)


def score_document(
    tokens: list[str], fields: Mapping[str, tuple[str, float]], *, fuzzy: bool = True
) -> Match:
    """Score one document for the query tokens. `fields` maps a field name to (text, weight).

    A query token found in a field adds that field's weight (once per field); a Latin word of
    the field close to a Latin token (a typo) adds half of it. Covering more distinct query
    tokens is worth more than repeating one. Substring tests on the lower-cased text: no
    segmentation here, so explaining a page of hits stays cheap.
    """
    match = Match()
    covered: set[str] = set()
    for name, (text, weight) in fields.items():
        lowered = text.lower()
        words: set[str] | None = None
        for token in tokens:
            if token in lowered:
                match.fields.setdefault(name, []).append(token)
                match.score += weight
                covered.add(token)
            elif fuzzy and token.isascii() and len(token) >= FUZZY_MIN_LENGTH:
                if words is None:
                    words = set(_LATIN.findall(lowered))
                if close := fuzzy_match(token, words):
                    match.fields.setdefault(name, []).append(close)
                    if token not in match.fuzzy:
                        match.fuzzy.append(token)
                    match.score += weight / 2
                    covered.add(token)
    if tokens:
        match.score *= 1 + len(covered) / len(tokens)
    return match


def explain(terms: Iterable[str], fields: Mapping[str, str]) -> dict[str, list[str]]:
    """For found terms, which fields contain them (to show why a hit matched)."""
    out: dict[str, list[str]] = {}
    for name, text in fields.items():
        lowered = text.lower()
        hits = [t for t in terms if t and t in lowered]
        if hits:
            out[name] = hits
    return out


def highlight(text: str, terms: Iterable[str], *, width: int = 160) -> str:
    """An HTML-escaped excerpt of `text` around the first found term, terms wrapped in <mark>.

    The result is safe to mark safe: everything but the <mark> tags is escaped here.
    """
    text = " ".join(text.split())
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    lowered = text.lower()
    first = min((i for t in terms if (i := lowered.find(t)) >= 0), default=0)
    start = max(0, first - width // 3)
    excerpt = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    if not terms:
        return html.escape(prefix + excerpt + suffix)
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    out, pos = [], 0
    for found in pattern.finditer(excerpt):
        out.append(html.escape(excerpt[pos : found.start()]))
        out.append(f"<mark>{html.escape(found.group(0))}</mark>")
        pos = found.end()
    out.append(html.escape(excerpt[pos:]))
    return html.escape(prefix) + "".join(out) + html.escape(suffix)
