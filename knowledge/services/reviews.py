"""Case reviews, root-cause reports and pitfall guides (PROCESS §14)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets.errors import DomainError, NotAllowed
from tickets.models import Notification, User
from tickets.roles import Role
from tickets.selectors import ticket_visible_to

from ..models import (
    Article,
    CaseReview,
    CaseReviewItem,
    PitfallDelivery,
    PitfallGuide,
    RootCauseReport,
)
from ..permissions import kb_caps
from ..selectors import CANDIDATE_REASONS, case_review_candidates
from .articles import _email, article_create, article_draft_data_from_ticket

ROOT_CAUSE_WINDOW = dt.timedelta(hours=48)


def previous_month(today: dt.date) -> dt.date:
    return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def _month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    nxt = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (
        dt.datetime.combine(month, dt.time(), tzinfo=tz),
        dt.datetime.combine(nxt, dt.time(), tzinfo=tz),
    )


def _organizers() -> list[User]:
    group = Group.objects.filter(name=str(Role.SUPERVISOR)).first()
    if group is None:
        return []
    return list(group.user_set.filter(is_active=True))


def case_review_prepare(*, today: dt.date | None = None) -> CaseReview | None:
    """Open last month's case review with proposed candidates and remind the organizers
    (supervisors). Idempotent: a month already prepared changes nothing and notifies nobody."""
    today = today or timezone.localdate()
    month = previous_month(today)
    with transaction.atomic():
        review, created = CaseReview.objects.get_or_create(month=month)
        if not created:
            return None
        start, end = _month_bounds(month)
        candidates = case_review_candidates(start=start, end=end)
        CaseReviewItem.objects.bulk_create(
            CaseReviewItem(review=review, ticket_id=pk, reasons=reasons)
            for pk, reasons in sorted(candidates.items())
        )
        organizers = _organizers()
        if organizers:
            review.organizer = organizers[0]
            review.save(update_fields=["organizer"])
        ids = []
        for user in organizers:
            with translation.override(user.language or settings.LANGUAGE_CODE):
                reasons_text = ", ".join(str(r) for r in CANDIDATE_REASONS.values())
                ids.append(
                    Notification.objects.create(
                        recipient=user,
                        kind="kb_case_review",
                        title=_("Monthly case review for %(month)s")
                        % {"month": month.strftime("%Y-%m")},
                        body=_(
                            "%(count)d candidate tickets are proposed (%(reasons)s). "
                            "Choose the cases and draft their articles: %(url)s"
                        )
                        % {
                            "count": len(candidates),
                            "reasons": reasons_text,
                            "url": settings.SITE_URL
                            + reverse("knowledge:review", args=[review.pk]),
                        },
                    ).pk
                )
        if ids:
            transaction.on_commit(lambda: _email(ids))
    return review


def _require_organizer(actor: User) -> None:
    if not kb_caps(actor).organize:
        raise NotAllowed(_("Only the case review organizer may do this."))


@transaction.atomic
def case_review_record(
    *, review_id: int, actor: User, held_at: dt.datetime | None, notes: str
) -> CaseReview:
    """The meeting record: when it was held and its minutes (the organizer keeps them)."""
    _require_organizer(actor)
    review = CaseReview.objects.select_for_update().get(pk=review_id)
    if held_at is not None and held_at > timezone.now():
        raise DomainError(_("The meeting cannot have been held in the future."), field="held_at")
    review.held_at, review.notes = held_at, notes
    if review.organizer_id is None:
        review.organizer = actor
    review.save(update_fields=["held_at", "notes", "organizer"])
    return review


@transaction.atomic
def case_review_choose(*, item_id: int, actor: User, chosen: bool) -> CaseReviewItem:
    _require_organizer(actor)
    item = CaseReviewItem.objects.select_for_update().get(pk=item_id)
    item.chosen = chosen
    item.save(update_fields=["chosen"])
    return item


@transaction.atomic
def case_review_draft_article(*, item_id: int, actor: User) -> Article:
    """Turn a chosen case into an article draft prefilled from its ticket (once)."""
    item = CaseReviewItem.objects.select_for_update().select_related("ticket").get(pk=item_id)
    if item.article_id is not None:
        raise DomainError(_("This case already has an article draft."))
    if not item.chosen:
        raise DomainError(_("Choose the case before drafting its article."))
    article = article_create(
        actor=actor,
        data=article_draft_data_from_ticket(ticket=item.ticket),
        from_ticket_id=item.ticket_id,
    )
    item.article = article
    item.save(update_fields=["article"])
    return article


@transaction.atomic
def root_cause_report_create(
    *,
    ticket_id: int,
    actor: User,
    data: dict[str, Any],
    article_ids: Iterable[int] = (),
    now: dt.datetime | None = None,
) -> RootCauseReport:
    """Attach a root-cause report to a resolved ticket, at most 48 hours after its resolution."""
    if not kb_caps(actor).write:
        raise NotAllowed(_("You may not write root-cause reports."))
    ticket = ticket_visible_to(actor).filter(pk=ticket_id).first()
    if ticket is None:
        raise DomainError(_("No such ticket."), field="ticket")
    now = now or timezone.now()
    if ticket.resolved_at is None:
        raise DomainError(_("A root-cause report needs a resolved ticket."), field="ticket")
    if now > ticket.resolved_at + ROOT_CAUSE_WINDOW:
        raise DomainError(
            _("Root-cause reports are accepted within 48 hours of the resolution only."),
            field="ticket",
        )
    for name in ("title", "root_cause", "corrective_actions"):
        if not str(data.get(name) or "").strip():
            raise DomainError(_("This field is required."), field=name)
    report = RootCauseReport.objects.create(
        ticket=ticket,
        author=actor,
        created_at=now,
        **{
            k: data.get(k, "")
            for k in (
                "title",
                "timeline",
                "root_cause",
                "impact",
                "corrective_actions",
                "participants",
            )
        },
    )
    ids = list(article_ids)
    articles = list(Article.objects.filter(pk__in=ids))
    if len(articles) != len(set(ids)):
        raise DomainError(_("No such article."), field="articles")
    report.articles.set(articles)
    return report


@transaction.atomic
def pitfall_guide_create(
    *,
    actor: User,
    title: str,
    introduction: str = "",
    article_ids: Iterable[int],
    organization_ids: Iterable[int],
) -> PitfallGuide:
    """A curated set of public, published articles for the contacts of chosen organizations."""
    _require_organizer(actor)
    if not title.strip():
        raise DomainError(_("This field is required."), field="title")
    ids = set(article_ids)
    articles = list(Article.objects.filter(pk__in=ids))
    if not ids or len(articles) != len(ids):
        raise DomainError(_("No such article."), field="articles")
    if any(not a.is_public for a in articles):
        raise DomainError(
            _("Only public, published articles can be sent to customers."), field="articles"
        )
    guide = PitfallGuide.objects.create(title=title, introduction=introduction, created_by=actor)
    guide.articles.set(articles)
    guide.organizations.set(list(organization_ids))
    return guide


@transaction.atomic
def pitfall_guide_send(*, guide_id: int, actor: User) -> int:
    """Queue the guide for every active contact with an email in the chosen organizations;
    a contact who already has it is not queued again. Returns how many were queued."""
    _require_organizer(actor)
    guide = PitfallGuide.objects.select_for_update().get(pk=guide_id)
    articles = list(guide.articles.all())
    if not articles:
        raise DomainError(_("A pitfall guide needs at least one article."))
    if any(not a.is_public for a in articles):
        raise DomainError(_("Only public, published articles can be sent to customers."))
    contacts = User.objects.filter(
        organization__in=guide.organizations.all(), is_active=True
    ).exclude(email="")
    existing = set(guide.deliveries.values_list("recipient_id", flat=True))
    new = [
        PitfallDelivery(guide=guide, recipient=c, email=c.email)
        for c in contacts
        if c.pk not in existing
    ]
    PitfallDelivery.objects.bulk_create(new, ignore_conflicts=True)
    guide.sent_at = timezone.now()
    guide.save(update_fields=["sent_at"])

    def enqueue() -> None:
        from django_q.tasks import async_task

        async_task("knowledge.tasks.send_pitfall_guide", guide.pk)

    transaction.on_commit(enqueue)
    return len(new)


def pitfall_deliveries_send(*, guide_id: int) -> int:
    """Mail each queued delivery once: claimed by a conditional update, released on failure."""
    guide = PitfallGuide.objects.get(pk=guide_id)
    articles = [a for a in guide.articles.all() if a.is_public]
    sent = 0
    pending = guide.deliveries.filter(sent_at__isnull=True).select_related("recipient")
    for delivery in pending:
        claimed = PitfallDelivery.objects.filter(pk=delivery.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
        if not claimed:
            continue
        try:
            with translation.override(delivery.recipient.language or settings.LANGUAGE_CODE):
                lines = [guide.introduction, ""] if guide.introduction else []
                lines += [
                    f"- {a.title}: {settings.SITE_URL}{reverse('portal_kb:detail', args=[a.pk])}"
                    for a in articles
                ]
                EmailMultiAlternatives(
                    subject=f"[{_('Pitfall guide')}] {guide.title}",
                    body="\n".join(lines),
                    to=[delivery.email],
                ).send()
        except Exception:
            PitfallDelivery.objects.filter(pk=delivery.pk).update(sent_at=None)
            raise
        sent += 1
    return sent
