"""Search documents: segmented words stored at write time, and on PostgreSQL a weighted vector."""

import datetime as dt

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Cast
from django.utils import timezone

from tickets.models import MessageKind, Status, Ticket

from .. import search
from ..models import Article, TicketSearchDoc

INDEXED_STATUSES = (Status.RESOLVED, Status.CLOSED, Status.ARCHIVED)
EXCERPT_CHARS = 600


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def _vector(pk: int, size: int, *weighted: tuple[str, str]) -> CombinedExpression:
    """`simple` vector over already segmented text, weighted A, B, C…, plus the lexeme of the
    document's bucket (cast, so that the parser cannot split it)."""
    vector = None
    for text, weight in weighted:
        part = SearchVector(Value(text), config="simple", weight=weight)
        vector = part if vector is None else vector + part
    bucket = Cast(Value(f"'{search.bucket_lexeme(pk, size)}'"), SearchVectorField())
    return CombinedExpression(vector, "||", bucket, output_field=SearchVectorField())


def article_search_fields(article: Article) -> tuple[str, str, str]:
    """Segmented (title + tags, symptom, everything else) — weights A, B, C."""
    tags = " ".join(t.name for t in article.tags.all()) if article.pk else ""
    head = search.tokens_text(article.title, tags, article.product, article.product_version)
    body = search.tokens_text(article.symptom)
    rest = search.tokens_text(article.diagnosis, article.solution, article.prevention)
    return head, body, rest


def article_index(*, article: Article) -> None:
    head, body, rest = article_search_fields(article)
    tokens = " ".join(p for p in (head, body, rest) if p)
    updates: dict = {"search_tokens": tokens}
    if _is_postgres():
        updates["search_vector"] = _vector(
            article.pk, Article.SEARCH_BUCKET, (head, "A"), (body, "B"), (rest, "C")
        )
    # A queryset update: the search columns are derived data, kept out of the article's history.
    Article.objects.filter(pk=article.pk).update(**updates)
    article.search_tokens = tokens


def _ticket_texts(ticket: Ticket) -> tuple[str, str]:
    """The customer-facing conversation plus the work log: what solved it."""
    replies = list(
        ticket.messages.filter(kind__in=(MessageKind.REPLY, MessageKind.WORKLOG))
        .order_by("created_at", "id")
        .values_list("body", flat=True)
    )
    solution = "\n".join(replies[-3:])
    return solution, "\n".join(replies)


@transaction.atomic
def ticket_index(*, ticket_id: int) -> TicketSearchDoc | None:
    """(Re)build the search document of a resolved or closed ticket; drop it if it reopened."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    if ticket.status not in INDEXED_STATUSES:
        TicketSearchDoc.objects.filter(ticket_id=ticket_id).delete()
        return None
    solution, conversation = _ticket_texts(ticket)
    head = search.tokens_text(ticket.number, ticket.title, ticket.product, ticket.product_version)
    body = search.tokens_text(ticket.description, ticket.error_message)
    rest = search.tokens_text(conversation)
    doc, _created = TicketSearchDoc.objects.update_or_create(
        ticket=ticket,
        defaults={
            "title": ticket.title,
            "solution_excerpt": solution[:EXCERPT_CHARS],
            "category_id": ticket.category_id,
            "product_version": ticket.product_version,
            "resolved_at": ticket.resolved_at,
            "indexed_at": timezone.now(),
            "search_tokens": " ".join(p for p in (head, body, rest) if p),
        },
    )
    if _is_postgres():
        TicketSearchDoc.objects.filter(pk=doc.pk).update(
            search_vector=_vector(
                doc.pk, TicketSearchDoc.SEARCH_BUCKET, (head, "A"), (body, "B"), (rest, "C")
            )
        )
    return doc


def ticket_index_backfill(*, since: dt.datetime | None = None, limit: int | None = None) -> int:
    """Index resolved/closed tickets changed since `since` (all when None) whose document is
    missing or older than the ticket; drop documents of reopened tickets. Returns the count."""
    qs = Ticket.objects.filter(status__in=INDEXED_STATUSES)
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    stale = qs.exclude(search_doc__indexed_at__gte=F("updated_at")).order_by("pk")
    ids = stale.values_list("pk", flat=True)
    if limit:
        ids = ids[:limit]
    indexed = 0
    for ticket_id in list(ids):
        ticket_index(ticket_id=ticket_id)
        indexed += 1
    reopened = TicketSearchDoc.objects.exclude(ticket__status__in=INDEXED_STATUSES)
    if since is not None:
        reopened = reopened.filter(ticket__updated_at__gte=since)
    dropped, _by_model = reopened.delete()
    return indexed + dropped
