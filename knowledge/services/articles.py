"""Articles: create, edit, the review workflow, the quarterly review and its reminders."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets.errors import DomainError, NotAllowed
from tickets.models import MessageKind, Notification, Tag, Ticket, User
from tickets.selectors import ticket_visible_to

from .. import workflow
from ..models import Article, ArticleStatus, Relation, TicketArticle
from ..permissions import kb_caps
from .indexing import article_index

EDITABLE_FIELDS = (
    "title",
    "symptom",
    "diagnosis",
    "solution",
    "prevention",
    "product",
    "product_version",
    "category",
    "audience",
)

COMPLETE_FIELDS = ("title", "symptom", "solution")


def review_due_from(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=settings.KNOWLEDGE_REVIEW_INTERVAL_DAYS)


def _require_writer(actor: User) -> None:
    if not kb_caps(actor).write:
        raise NotAllowed(_("You may not write knowledge articles."))


def _check(data: dict[str, Any], names: tuple[str, ...] = ("title",)) -> None:
    for name in names:
        if not str(data.get(name) or "").strip():
            raise DomainError(_("This field is required."), field=name)


def _visible_tickets(actor: User, ids: Iterable[int]) -> list[Ticket]:
    ids = list(ids)
    tickets = list(ticket_visible_to(actor).filter(pk__in=ids))
    if len(tickets) != len(set(ids)):
        raise DomainError(_("One of the source tickets does not exist."), field="source_tickets")
    return tickets


@transaction.atomic
def article_create(
    *,
    actor: User,
    data: dict[str, Any],
    tags: Iterable[Tag] = (),
    source_ticket_ids: Iterable[int] = (),
    from_ticket_id: int | None = None,
) -> Article:
    """A new draft owned by its author. `from_ticket_id` records the "created" link."""
    _require_writer(actor)
    _check(data)
    article = Article(author=actor, status=ArticleStatus.DRAFT)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(article, name, data[name])
    article._change_reason = _("created")
    article.save()
    article.tags.set(list(tags))
    ids = set(source_ticket_ids)
    if from_ticket_id is not None:
        ids.add(from_ticket_id)
    tickets = _visible_tickets(actor, ids)
    article.source_tickets.set(tickets)
    if from_ticket_id is not None:
        TicketArticle.objects.get_or_create(
            ticket_id=from_ticket_id,
            article=article,
            relation=Relation.CREATED,
            defaults={"created_by": actor},
        )
    article_index(article=article)
    return article


@transaction.atomic
def article_update(
    *,
    article_id: int,
    actor: User,
    data: dict[str, Any],
    tags: Iterable[Tag] | None = None,
    source_ticket_ids: Iterable[int] | None = None,
    from_ticket_id: int | None = None,
    reason: str = "",
) -> Article:
    """Edit an article; a new version is kept. A published article is edited by a reviewer
    (others move it back to draft first); a retired one not at all."""
    _require_writer(actor)
    article = Article.objects.select_for_update().get(pk=article_id)
    if article.status == ArticleStatus.RETIRED:
        raise DomainError(_("A retired article cannot be edited; reopen it as a draft first."))
    if article.status == ArticleStatus.PUBLISHED and not kb_caps(actor).review:
        raise NotAllowed(
            _("Only a reviewer may edit a published article; move it back to draft first.")
        )
    merged = {name: getattr(article, name) for name in EDITABLE_FIELDS} | data
    _check(merged, ("title",) if article.status == ArticleStatus.DRAFT else COMPLETE_FIELDS)
    for name in EDITABLE_FIELDS:
        if name in data:
            setattr(article, name, data[name])
    article._change_reason = reason or _("edited")
    article.save()
    if tags is not None:
        article.tags.set(list(tags))
    if source_ticket_ids is not None:
        article.source_tickets.set(_visible_tickets(actor, source_ticket_ids))
    if from_ticket_id is not None:
        _visible_tickets(actor, [from_ticket_id])
        article.source_tickets.add(from_ticket_id)
        TicketArticle.objects.get_or_create(
            ticket_id=from_ticket_id,
            article=article,
            relation=Relation.UPDATED,
            defaults={"created_by": actor},
        )
    article_index(article=article)
    return article


@transaction.atomic
def article_transition(*, article_id: int, actor: User, to: str, note: str = "") -> Article:
    """The one place the lifecycle moves; the reviewer is never the author."""
    article = Article.objects.select_for_update().get(pk=article_id)
    caps = kb_caps(actor)
    workflow.assert_may_move(
        src=article.status,
        dst=to,
        is_author=article.author_id == actor.pk,
        may_write=caps.write,
        may_review=caps.review,
    )
    if to in (ArticleStatus.IN_REVIEW, ArticleStatus.PUBLISHED):
        # A draft may be incomplete; what goes to review and to readers may not.
        _check({n: getattr(article, n) for n in COMPLETE_FIELDS}, COMPLETE_FIELDS)
    now = timezone.now()
    article.status = to
    if to == ArticleStatus.PUBLISHED:
        article.reviewer = actor
        article.published_at = article.published_at or now
        article.reviewed_at = now
        article.review_due = review_due_from(timezone.localdate(now))
        article.reminded_for = None
    article._change_reason = note or _("status: %(status)s") % {"status": ArticleStatus(to).label}
    article.save()
    return article


@transaction.atomic
def article_mark_reviewed(*, article_id: int, actor: User, note: str = "") -> Article:
    """The periodic review: the owner or a reviewer confirms the article is still right."""
    article = Article.objects.select_for_update().get(pk=article_id)
    if article.status != ArticleStatus.PUBLISHED:
        raise DomainError(_("Only published articles have a periodic review."))
    if article.author_id != actor.pk and not kb_caps(actor).review:
        raise NotAllowed(_("Only the owner or a reviewer may confirm the periodic review."))
    now = timezone.now()
    article.reviewed_at = now
    article.review_due = review_due_from(timezone.localdate(now))
    article.reminded_for = None
    article._change_reason = note or _("periodic review confirmed")
    article.save()
    return article


def article_draft_data_from_ticket(*, ticket: Ticket) -> dict[str, Any]:
    """Prefill for "draft article from this ticket": the scene as the symptom, the work log as
    the diagnosis, the last public replies as the solution."""
    messages = list(
        ticket.messages.filter(kind__in=(MessageKind.REPLY, MessageKind.WORKLOG))
        .select_related("author")
        .order_by("created_at", "id")
    )
    worklog = [m.body for m in messages if m.kind == MessageKind.WORKLOG]
    replies = [
        m.body
        for m in messages
        if m.kind == MessageKind.REPLY and m.author is not None and not m.author.is_customer
    ]
    symptom = "\n\n".join(
        part
        for part in (
            ticket.description,
            ticket.error_message and f"```\n{ticket.error_message}\n```",
            ticket.steps_to_reproduce,
        )
        if part
    )
    return {
        "title": ticket.title,
        "symptom": symptom,
        "diagnosis": "\n\n".join(f"- {line}" for line in worklog),
        "solution": "\n\n".join(replies[-2:]),
        "prevention": "",
        "product": ticket.product,
        "product_version": ticket.product_version,
        "category": ticket.category,
    }


def review_reminders_send(*, today: dt.date | None = None) -> int:
    """Remind each owner of an overdue published article once per due date (a conditional
    update claims the article), as an in-app notification that is also emailed."""
    today = today or timezone.localdate()
    due = Article.objects.filter(status=ArticleStatus.PUBLISHED, review_due__lte=today).filter(
        Q(reminded_for__isnull=True) | ~Q(reminded_for=F("review_due"))
    )
    created: list[int] = []
    for article in due.select_related("author").iterator(chunk_size=500):
        with transaction.atomic():
            claimed = (
                Article.objects.filter(pk=article.pk, review_due=article.review_due)
                .filter(Q(reminded_for__isnull=True) | ~Q(reminded_for=F("review_due")))
                .update(reminded_for=F("review_due"))
            )
            if not claimed:
                continue
            owner = article.author
            with translation.override(owner.language or settings.LANGUAGE_CODE):
                note = Notification.objects.create(
                    recipient=owner,
                    kind="kb_review_due",
                    title=_("Article review due: %(title)s") % {"title": article.title[:150]},
                    body=_(
                        "The quarterly review of “%(title)s” was due on %(due)s. "
                        "Check that it is still right and confirm the review: %(url)s"
                    )
                    % {
                        "title": article.title,
                        "due": article.review_due.isoformat(),
                        "url": f"{settings.SITE_URL}{article.get_absolute_url()}",
                    },
                )
            created.append(note.pk)
    if created:
        transaction.on_commit(lambda: _email(created))
    return len(created)


def _email(ids: list[int]) -> None:
    from django_q.tasks import async_task

    async_task("sla.tasks.send_notification_emails", ids)


@transaction.atomic
def article_delete(*, article_id: int, actor: User) -> None:
    """Only a draft that was never published is deleted (by its author or a reviewer);
    anything published is retired instead, so that its history stays."""
    article = Article.objects.select_for_update().get(pk=article_id)
    if article.status != ArticleStatus.DRAFT or article.published_at is not None:
        raise DomainError(_("Only unpublished drafts can be deleted; retire the article instead."))
    if article.author_id != actor.pk and not kb_caps(actor).review:
        raise NotAllowed(_("Only the author or a reviewer may delete a draft."))
    article.delete()
