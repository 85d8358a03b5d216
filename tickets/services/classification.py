"""Keyword suggestion at intake, and the agent's confirmation or correction (PROCESS §4)."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sla import services as sla_services

from .. import classify, priority
from ..errors import DomainError
from ..models import (
    Category,
    ClassificationCorrection,
    Impact,
    Keyword,
    PriorityLevel,
    PriorityMatrixCell,
    PriorityScheme,
    Tag,
    Ticket,
    TicketEvent,
    TicketKeywordMatch,
    Urgency,
    User,
)
from .common import assert_mutable, assert_visible, lock_ticket, log_event, require


def keyword_rules() -> list[classify.KeywordRule]:
    rows = Keyword.objects.filter(active=True, category__active=True).values_list(
        "id", "phrase", "category_id", "weight", "confirmed_count", "corrected_count"
    )
    tags: dict[int, list[int]] = {}
    for kw_id, tag_id in Keyword.tags.through.objects.filter(keyword__active=True).values_list(
        "keyword_id", "tag_id"
    ):
        tags.setdefault(kw_id, []).append(tag_id)
    return [
        classify.KeywordRule(
            id=i,
            phrase=p,
            category_id=c,
            weight=w,
            tag_ids=tuple(tags.get(i, ())),
            confirmed=ok,
            corrected=bad,
        )
        for i, p, c, w, ok, bad in rows
    ]


def suggest_for_text(text: str) -> classify.Suggestion:
    return classify.suggest(text, keyword_rules())


def default_scheme() -> PriorityScheme:
    scheme = PriorityScheme.objects.filter(is_default=True).first()
    if scheme is None:
        raise DomainError(_("No default priority scheme is configured."))
    return scheme


def priority_for(*, scheme: PriorityScheme, impact: str, urgency: str) -> PriorityLevel:
    cells = {
        (c.impact, c.urgency): c.level
        for c in PriorityMatrixCell.objects.filter(scheme=scheme).select_related("level")
    }
    try:
        return priority.level_for(impact, urgency, cells)
    except ValueError:
        raise DomainError(
            _("The priority matrix of “%(scheme)s” has no cell for this impact and urgency.")
            % {"scheme": scheme.label}
        ) from None


def record_suggestion(
    *, ticket: Ticket, suggestion: classify.Suggestion, count_hits: bool = True
) -> None:
    """Keep the matched keywords and their tags on the ticket. `count_hits=False` leaves the
    hit counters to the caller (`count_keyword_hits`), which bumps them last: the UPDATE locks
    the shared keyword rows until commit, and concurrent registrations should not queue on
    them for the whole transaction."""
    if suggestion.keyword_ids:
        TicketKeywordMatch.objects.bulk_create(
            [TicketKeywordMatch(ticket=ticket, keyword_id=k) for k in suggestion.keyword_ids]
        )
        if count_hits:
            count_keyword_hits(suggestion.keyword_ids)
    if suggestion.tag_ids:
        ticket.tags.add(*suggestion.tag_ids)


def count_keyword_hits(keyword_ids: Sequence[int]) -> None:
    if keyword_ids:
        Keyword.objects.filter(id__in=sorted(keyword_ids)).update(hit_count=F("hit_count") + 1)


def record_decision(*, ticket: Ticket, category: Category, actor: User | None) -> None:
    """Keep the first decision on a ticket's suggestion; each matched keyword learns from it."""
    kw_ids = list(ticket.keyword_matches.values_list("keyword_id", flat=True))
    ClassificationCorrection.objects.create(
        ticket=ticket,
        suggested_id=ticket.suggested_category_id,
        chosen=category,
        keywords=list(Keyword.objects.filter(id__in=kw_ids).values_list("phrase", flat=True)),
        text=f"{ticket.title}\n{ticket.description}"[:2000],
        actor=actor,
    )
    Keyword.objects.filter(id__in=kw_ids, category=category).update(
        confirmed_count=F("confirmed_count") + 1
    )
    Keyword.objects.filter(id__in=kw_ids).exclude(category=category).update(
        corrected_count=F("corrected_count") + 1
    )


@transaction.atomic
def ticket_classify(
    *,
    ticket_id: int,
    actor: User,
    category: Category,
    secondary: Sequence[Category] = (),
    tags: Sequence[Tag] | None = None,
    impact: str | None = None,
    urgency: str | None = None,
    level: PriorityLevel | None = None,
    reason: str = "",
) -> Ticket:
    """Confirm or correct the suggested classification and set the priority.

    The decision is stored (suggested vs chosen, with the matched keywords) and each matched
    keyword's confirmed/corrected counter moves, which is what the classifier learns from.
    """
    require(actor, "classify")
    ticket = lock_ticket(ticket_id)
    assert_visible(ticket, actor)
    assert_mutable(ticket)
    if not category.active:
        raise DomainError(_("This category is no longer in use."), field="category")
    if impact and impact not in Impact.values:
        raise DomainError(_("Choose one of the offered values."), field="impact")
    if urgency and urgency not in Urgency.values:
        raise DomainError(_("Choose one of the offered values."), field="urgency")
    if any(c.pk == category.pk for c in secondary):
        raise DomainError(
            _("The main category cannot also be a secondary category."), field="secondary"
        )
    first_decision = ticket.classified_at is None
    old_category = ticket.category
    if first_decision:
        record_decision(ticket=ticket, category=category, actor=actor)
    ticket.category = category
    ticket.classified_at = ticket.classified_at or timezone.now()
    if impact:
        ticket.impact = impact
    if urgency:
        ticket.urgency = urgency
    old_priority = ticket.priority
    if level is not None:
        scheme_id = ticket.priority.scheme_id if ticket.priority else default_scheme().pk
        if level.scheme_id != scheme_id:
            raise DomainError(
                _("The priority must be a level of the ticket's priority scheme."), field="level"
            )
        ticket.priority = level
    elif impact or urgency:
        scheme = ticket.priority.scheme if ticket.priority else default_scheme()
        ticket.priority = priority_for(scheme=scheme, impact=ticket.impact, urgency=ticket.urgency)
    ticket.priority_rank = ticket.priority.rank if ticket.priority else 9
    ticket._change_reason = reason or _("classification confirmed")
    ticket.save()
    ticket.secondary_categories.set(secondary)
    if tags is not None:
        ticket.tags.set(tags)
    log_event(
        ticket=ticket,
        kind=TicketEvent.Kind.CLASSIFIED,
        actor=actor,
        old=old_category.full_label if old_category else "",
        new=category.full_label,
        reason=reason,
    )
    if old_priority != ticket.priority:
        log_event(
            ticket=ticket,
            kind=TicketEvent.Kind.PRIORITY,
            actor=actor,
            old=old_priority.label if old_priority else "",
            new=ticket.priority.label,
            reason=reason,
        )
        sla_services.sla_on_priority_change(ticket=ticket, actor=actor)
    if first_decision:
        sla_services.sla_on_event(ticket=ticket, event="classified", actor=actor)
    return ticket
