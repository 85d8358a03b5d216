"""Links between tickets and articles, and the suggestion clicks deflection is measured from."""

import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from tickets.errors import DomainError, NotAllowed
from tickets.models import User
from tickets.permissions import user_caps
from tickets.selectors import ticket_visible_to

from ..models import Article, ArticleStatus, Audience, Relation, SuggestionClick, TicketArticle
from ..permissions import kb_caps


def _require_worker(actor: User) -> None:
    if not (user_caps(actor).work and kb_caps(actor).read_internal):
        raise NotAllowed(_("You may not link articles to tickets."))


@transaction.atomic
def ticket_article_link(
    *, ticket_id: int, article_id: int, relation: str, actor: User
) -> TicketArticle:
    """Tie an article to a ticket (created / updated / referenced); linking twice is a no-op.
    Ticket closure (PROCESS §12) calls this for the articles it records."""
    _require_worker(actor)
    if relation not in Relation.values:
        raise DomainError(_("Unknown relation."), field="relation")
    ticket = ticket_visible_to(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise DomainError(_("No such ticket."), field="ticket")
    if not Article.objects.filter(pk=article_id).exists():
        raise DomainError(_("No such article."), field="article")
    link, _created = TicketArticle.objects.get_or_create(
        ticket=ticket, article_id=article_id, relation=relation, defaults={"created_by": actor}
    )
    if relation in (Relation.CREATED, Relation.UPDATED):
        Article.source_tickets.through.objects.get_or_create(
            article_id=article_id, ticket_id=ticket.pk
        )
    return link


@transaction.atomic
def ticket_article_unlink(*, link_id: int, actor: User) -> None:
    _require_worker(actor)
    link = TicketArticle.objects.filter(pk=link_id).select_related("ticket").first()
    if link is None or not ticket_visible_to(actor).filter(pk=link.ticket_id).exists():
        raise DomainError(_("No such link."))
    link.delete()


def suggestion_click_record(*, token: str, user: User, article_id: int) -> SuggestionClick | None:
    """Remember that a suggested article was opened from a ticket form (one token per form).
    Customers can only have opened public, published articles; anything else is ignored."""
    try:
        form_token = uuid.UUID(str(token))
    except ValueError:
        return None
    article = Article.objects.filter(pk=article_id).first()
    if article is None:
        return None
    if user_caps(user).is_customer and not (
        article.audience == Audience.PUBLIC and article.status == ArticleStatus.PUBLISHED
    ):
        return None
    return SuggestionClick.objects.create(token=form_token, user=user, article=article)
