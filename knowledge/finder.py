"""Search over articles and resolved tickets, and suggestions while a ticket is written.

PostgreSQL: the segmented query against the stored `simple` vector (GIN index), OR a trigram
word-similarity on the title (pg_trgm GIN index) for typos and partial numbers; ranked by
`ts_rank` plus the title similarity. SQLite: token LIKE matching over a bounded candidate set,
ranked in Python by `search.score_document` (which also tolerates typos).
Either way the few hits shown are explained and highlighted here, from text the user may see.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Tag, Ticket, User
from tickets.permissions import user_caps
from tickets.selectors import ticket_visible_to

from . import search
from .models import Article, TicketSearchDoc
from .permissions import kb_caps
from .selectors import article_visible_to

SQLITE_CANDIDATES = 300
PG_CANDIDATES = 60
TRIGRAM_MAX_CHARS = 40
SQLITE_FUZZY_POOL = 300
MAX_LIMIT = 50
MAX_BUCKET_TERMS = 8

ARTICLE_FIELDS = {
    "title": (_("title"), 4.0),
    "symptom": (_("symptom"), 2.0),
    "diagnosis": (_("diagnosis approach"), 1.0),
    "solution": (_("solution"), 1.0),
    "prevention": (_("prevention advice"), 0.5),
}
HEAD_FIELDS = ("title", "number")  # shown as the hit's heading, not as its snippet
TICKET_FIELDS = {
    "number": (_("number"), 4.0),
    "title": (_("title"), 4.0),
    "solution_excerpt": (_("solution excerpt"), 1.0),
}


Scope = Q  # who may see a document, applied to the few candidates only


@dataclass
class Hit:
    kind: str  # "article" or "ticket"
    obj: Any
    score: float
    snippet: SafeString
    why: list[tuple[str, list[str]]] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.obj.pk


@dataclass(frozen=True)
class Filters:
    product_version: str = ""
    category: Category | None = None
    tags: tuple[Tag, ...] = ()
    audience: str = ""
    status: str = ""


def _clean(text: str) -> str:
    """At most 200 characters of the query, without NUL (PostgreSQL text cannot hold it)."""
    return text.replace("\x00", " ").strip()[:200]


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _category_ids(category: Category) -> list[int]:
    return [category.pk, *category.children.values_list("pk", flat=True)]


def _filter_articles(qs: QuerySet[Article], filters: Filters, user: User) -> QuerySet[Article]:
    if filters.product_version:
        qs = qs.filter(product_version__istartswith=filters.product_version)
    if filters.category is not None:
        qs = qs.filter(category_id__in=_category_ids(filters.category))
    if filters.tags:
        through = Article.tags.through.objects.filter(tag__in=filters.tags)
        qs = qs.filter(pk__in=through.values("article_id"))
    if filters.audience and kb_caps(user).read_internal:
        qs = qs.filter(audience=filters.audience)
    if filters.status and kb_caps(user).read_internal:
        qs = qs.filter(status=filters.status)
    return qs


def _explain(
    tokens: list[str], obj: Any, fields: dict[str, tuple[Any, float]], snippet_from: str
) -> tuple[float, SafeString, list[tuple[str, list[str]]], list[str]]:
    texts = {name: (getattr(obj, name) or "", weight) for name, (_label, weight) in fields.items()}
    match = search.score_document(tokens, texts)
    why = [(str(fields[name][0]), terms) for name, terms in match.fields.items()]
    body = next(
        (getattr(obj, n) for n in match.fields if n not in HEAD_FIELDS and getattr(obj, n)),
        getattr(obj, snippet_from) or "",
    )
    snippet = mark_safe(search.highlight(body, match.terms))
    return match.score, snippet, why, match.fuzzy


class _Buckets(SearchQuery):
    """A tsquery matching the bucket lexemes lo…hi of the stored vectors (cast, not parsed)."""

    template = "(%(expressions)s)::tsquery"

    def __init__(self, lo: int, hi: int) -> None:
        super().__init__(search.buckets_tsquery(lo, hi))


def _newest_bucket(qs: QuerySet) -> int | None:
    newest = qs.model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
    return None if newest is None else newest // qs.model.SEARCH_BUCKET


def _pg_candidates(
    qs: QuerySet, words: SearchQuery | None, text: str, seen: list[int], newest: int, want: int
) -> list[int]:
    """The ids of the newest `want` documents matching `words` (or, without words, with
    a title close to `text`), looked for in windows of buckets from the newest back.

    In a narrow window the words are ANDed with its bucket lexemes, so the GIN index returns
    only the window's matches (a long OR of buckets costs more than it saves: a wide window
    means the words are rare anyway). The next window is sized from the matches found so far:
    a common word stops after the newest bucket or two; a rare one soon covers the rest in one
    query."""
    size = qs.model.SEARCH_BUCKET
    ids: list[int] = []
    hi, scanned = newest, 0
    span = 2  # the newest bucket may hold only a few ids yet
    while hi >= 0 and len(ids) < want:
        # A window too wide for bucket lexemes reads the words' matches of the whole table
        # from the index anyway: let it run to the oldest bucket.
        lo = max(hi - span + 1, 0) if span <= MAX_BUCKET_TERMS else 0
        # The id range also bounds a scan in id order to the window.
        window = qs.filter(pk__lt=(hi + 1) * size)
        if lo > 0:
            window = window.filter(pk__gte=lo * size)
        if words is None:
            window = window.filter(title__trigram_word_similar=text)
        else:
            window = window.filter(search_vector=words & _Buckets(lo, hi) if lo > 0 else words)
        if seen or ids:
            window = window.exclude(pk__in=[*seen, *ids])
        found = list(window.order_by("-pk").values_list("pk", flat=True)[: want - len(ids)])
        ids += found
        scanned += hi - lo + 1
        hi = lo - 1
        need = want - len(ids)
        # buckets expected to hold what is missing, twice over, but at most four times what
        # was scanned (the newest tickets are mostly still open: their buckets are sparse);
        # no match yet: all the rest
        span = min(math.ceil(2 * need * scanned / len(ids)), 4 * scanned) if ids else hi + 1
    return ids


def _pg_stage(
    qs: QuerySet,
    text: str,
    words: SearchQuery | None,
    rank_by: SearchQuery | None,
    limit: int,
    scope: Scope | None,
    seen: list[int],
    newest: int,
    want: int,
) -> list:
    """Rank only the newest `want` matches (ranking every match of a common word costs a rank
    computation per row on a large base). A `scope` applies to those candidates (cheaper on a
    few dozen ids than joined to every match)."""
    ids = _pg_candidates(qs, words, text, seen, newest, want)
    if not ids:
        return []
    rank = TrigramWordSimilarity(text, "title") * 0.5
    if rank_by is not None:
        rank = rank + Coalesce(SearchRank(F("search_vector"), rank_by), Value(0.0))
    found = qs.filter(pk__in=ids)
    if scope is not None:
        found = found.filter(scope)
    found = found.defer("search_tokens", "search_vector").annotate(rank=rank)
    return list(found.order_by("-rank", "-pk")[:limit])


def _tsquery(tokens: list[str], operator: str, *, prefix: bool = False) -> SearchQuery:
    raw = search.raw_tsquery(tokens, operator, prefix=prefix)
    return SearchQuery(raw, search_type="raw", config="simple")


def _pg_hits(qs: QuerySet, text: str, tokens: list[str], limit: int, scope: Scope | None) -> list:
    """Stages, each only while the page is not full: documents with every query word, then
    with any of them, then with a word starting with a Latin or digit query word (partial
    numbers and codes), then with a title close to the query (typos).

    Exact words come first because the index answers them within a window of buckets; a
    prefix is looked up over the whole table, which is cheap only for the rare words that
    leave a page unfilled."""
    stages: list[tuple[SearchQuery | None, SearchQuery | None]] = []  # (words, rank by)
    anyq = None
    if tokens:
        every, anyq = _tsquery(tokens, "&"), _tsquery(tokens, "|")
        stages += [(every, every)]
        if len(tokens) > 1:
            stages += [(anyq, anyq)]
        if any(search.prefixable(t) for t in tokens):
            anyq = _tsquery(tokens, "|", prefix=True)
            stages += [(anyq, anyq)]
    if len(text) <= TRIGRAM_MAX_CHARS:  # a long text is not a mistyped title
        stages += [(None, anyq)]
    newest = _newest_bucket(qs) if stages else None
    if newest is None:  # nothing indexed yet
        return []
    want = PG_CANDIDATES
    found: list = []
    for words, rank_by in stages:
        if len(found) >= limit:
            break
        seen = [o.pk for o in found]
        found += _pg_stage(qs, text, words, rank_by, limit - len(found), scope, seen, newest, want)
    return found


def _sqlite_candidates(qs: QuerySet, tokens: list[str]) -> list:
    condition = Q()
    for token in tokens:
        condition |= Q(search_tokens__contains=token)
    found = list(qs.filter(condition).order_by("-pk")[:SQLITE_CANDIDATES])
    if any(t.isascii() and len(t) >= search.FUZZY_MIN_LENGTH for t in tokens):
        seen = {o.pk for o in found}
        found += [o for o in qs.order_by("-pk")[:SQLITE_FUZZY_POOL] if o.pk not in seen]
    return found


def _rank(
    qs: QuerySet,
    text: str,
    tokens: list[str],
    fields: dict,
    snippet_from: str,
    kind: str,
    limit: int,
    scope: Scope | None = None,
) -> list[Hit]:
    """PostgreSQL: `qs` unscoped and `scope` applied to candidates; SQLite: `qs` scoped."""
    hits = []
    if _is_postgres():
        for obj in _pg_hits(qs, text, tokens, limit, scope):
            score, snippet, why, fuzzy = _explain(tokens, obj, fields, snippet_from)
            hits.append(Hit(kind, obj, float(obj.rank), snippet, why, fuzzy))
        return hits
    for obj in _sqlite_candidates(qs, tokens):
        score, snippet, why, fuzzy = _explain(tokens, obj, fields, snippet_from)
        if score > 0:
            hits.append(Hit(kind, obj, score, snippet, why, fuzzy))
    hits.sort(key=lambda h: (-h.score, -h.obj.pk))
    return hits[:limit]


def search_articles(
    *, user: User, text: str, filters: Filters | None = None, limit: int = 20
) -> list[Hit]:
    """Articles the user may read, best first. Customers: public and published only."""
    text = _clean(text)
    tokens = search.query_tokens(text)
    if not tokens and not text.strip():
        return []
    qs = _filter_articles(article_visible_to(user), filters or Filters(), user)
    qs = qs.select_related("category__parent")
    return _rank(
        qs, text.strip(), tokens, ARTICLE_FIELDS, "symptom", "article", min(limit, MAX_LIMIT)
    )


def search_tickets(
    *, user: User, text: str, filters: Filters | None = None, limit: int = 20
) -> list[Hit]:
    """Resolved and closed tickets the user may see (our people only)."""
    text = _clean(text)
    tokens = search.query_tokens(text)
    if not kb_caps(user).read_internal or (not tokens and not text.strip()):
        return []
    filters = filters or Filters()
    qs = TicketSearchDoc.objects.select_related("ticket")
    if filters.product_version:
        qs = qs.filter(product_version__istartswith=filters.product_version)
    if filters.category is not None:
        qs = qs.filter(category_id__in=_category_ids(filters.category))
    if filters.tags:
        tagged = Ticket.tags.through.objects.filter(tag__in=filters.tags).values("ticket_id")
        qs = qs.filter(ticket_id__in=tagged)
    scope: Scope | None = None
    if not user_caps(user).view_all:
        visible = ticket_visible_to(user)
        if _is_postgres():
            scope = Q(ticket__in=visible)
        else:
            qs = qs.filter(ticket__in=visible)

    return _rank(
        qs,
        text.strip(),
        tokens,
        TICKET_FIELDS,
        "solution_excerpt",
        "ticket",
        min(limit, MAX_LIMIT),
        scope,
    )


def suggestions(*, user: User, text: str, limit: int = 5) -> list[Hit]:
    """What to show while a ticket is written: published articles first, then past resolved
    tickets (for our people), each with why it matched."""
    text = text.strip()[:500]
    if len(text) < 2:
        return []
    from .models import ArticleStatus

    hits = search_articles(
        user=user, text=text, filters=Filters(status=ArticleStatus.PUBLISHED), limit=limit
    )
    if kb_caps(user).read_internal:
        hits += search_tickets(user=user, text=text, limit=limit)
    return hits


def tags_from_names(names: Iterable[str]) -> tuple[Tag, ...]:
    return tuple(Tag.objects.filter(name__in=[n.strip() for n in names if n.strip()]))
