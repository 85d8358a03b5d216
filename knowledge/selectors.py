"""Every read of the knowledge base used by the UI, the API and the tasks."""

import datetime as dt
import difflib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import (
    Assignment,
    Ticket,
    TicketEvent,
    TicketKeywordMatch,
    User,
)

from .models import Article, ArticleStatus, Audience, SuggestionClick, TicketArticle
from .permissions import kb_caps


def article_visible_to(user: User) -> QuerySet[Article]:
    """Our people read every article; customers public, published ones only; others none."""
    if not user.is_authenticated:
        return Article.objects.none()
    if kb_caps(user).read_internal:
        return Article.objects.all()
    if user.is_customer:
        return Article.objects.filter(audience=Audience.PUBLIC, status=ArticleStatus.PUBLISHED)
    return Article.objects.none()


def article_get_for_user(*, user: User, pk: int) -> Article:
    article = (
        article_visible_to(user)
        .select_related("category__parent", "author", "reviewer")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    return article


def article_list(
    *,
    user: User,
    status: str = "",
    audience: str = "",
    category_id: int | None = None,
    tag_id: int | None = None,
    product_version: str = "",
    overdue: bool = False,
    mine: bool = False,
    today: dt.date | None = None,
) -> QuerySet[Article]:
    qs = article_visible_to(user).select_related("category__parent", "author")
    if status:
        qs = qs.filter(status=status)
    if audience:
        qs = qs.filter(audience=audience)
    if category_id:
        qs = qs.filter(Q(category_id=category_id) | Q(category__parent_id=category_id))
    if tag_id:
        qs = qs.filter(
            pk__in=Article.tags.through.objects.filter(tag_id=tag_id).values("article_id")
        )
    if product_version:
        qs = qs.filter(product_version__istartswith=product_version)
    if overdue:
        qs = article_overdue(qs, today=today)
    if mine:
        qs = qs.filter(author_id=user.pk)
    return qs


def article_overdue(qs: QuerySet[Article] | None = None, *, today: dt.date | None = None):
    today = today or timezone.localdate()
    qs = Article.objects.all() if qs is None else qs
    return qs.filter(status=ArticleStatus.PUBLISHED, review_due__lt=today).order_by("review_due")


def article_due_soon(*, user: User, days: int = 14, today: dt.date | None = None):
    today = today or timezone.localdate()
    return (
        article_visible_to(user)
        .filter(
            status=ArticleStatus.PUBLISHED,
            review_due__gte=today,
            review_due__lte=today + dt.timedelta(days=days),
        )
        .select_related("author")
        .order_by("review_due")
    )


def article_versions(*, article: Article) -> QuerySet:
    return article.history.select_related("history_user").order_by("-history_date", "-history_id")


DIFF_FIELDS = (
    "title",
    "symptom",
    "diagnosis",
    "solution",
    "prevention",
    "product",
    "product_version",
    "category",
    "audience",
    "status",
)


@dataclass(frozen=True)
class FieldDiff:
    label: str
    lines: list[tuple[str, str]]  # (" ", "+", "-"), text


def version_diff(old: Any, new: Any) -> list[FieldDiff]:
    """Line diff per changed field between two historical rows (pure over their attributes)."""
    out = []
    for name in DIFF_FIELDS:
        field = Article._meta.get_field(name)
        a, b = getattr(old, field.attname), getattr(new, field.attname)
        if a == b:
            continue
        if field.choices:
            labels = dict(field.flatchoices)
            a, b = labels.get(a, a), labels.get(b, b)
        if field.is_relation:
            model = field.related_model
            names = {o.pk: str(o) for o in model.objects.filter(pk__in=[v for v in (a, b) if v])}
            a, b = (
                names.get(a, "—" if a is None else f"#{a}"),
                names.get(b, "—" if b is None else f"#{b}"),
            )
        lines = [
            (line[0], line[2:])
            for line in difflib.ndiff(str(a or "").splitlines(), str(b or "").splitlines())
            if line[:1] in (" ", "+", "-")
        ]
        out.append(FieldDiff(str(field.verbose_name), lines))
    return out


def ticket_articles(*, ticket: Ticket, user: User) -> list[TicketArticle]:
    """Articles linked to a ticket, readable by the user."""
    visible = article_visible_to(user).values("pk")
    return list(
        TicketArticle.objects.filter(ticket=ticket, article_id__in=visible).select_related(
            "article", "created_by"
        )
    )


def articles_published_per_author(
    *, since: dt.date, until: dt.date, user: User | None = None
) -> list[dict[str, Any]]:
    """Knowledge-contribution KPI: first publications per author per month, [since, until)."""
    qs = Article.objects.filter(published_at__date__gte=since, published_at__date__lt=until)
    rows = (
        qs.annotate(month=TruncMonth("published_at"))
        .values("month", "author_id", "author__username", "author__display_name")
        .annotate(published=Count("pk"))
        .order_by("month", "-published", "author_id")
    )
    return [
        {
            "month": row["month"].date() if hasattr(row["month"], "date") else row["month"],
            "author_id": row["author_id"],
            "author": row["author__display_name"] or row["author__username"],
            "published": row["published"],
        }
        for row in rows
    ]


@dataclass(frozen=True)
class Deflection:
    forms_with_clicks: int
    deflected: int

    @property
    def rate(self) -> float:
        return self.deflected / self.forms_with_clicks if self.forms_with_clicks else 0.0


def deflection_stats(
    *,
    since: dt.datetime,
    until: dt.datetime,
    minutes: int | None = None,
    now: dt.datetime | None = None,
) -> Deflection:
    """A form session (token) in which a suggested article was opened counts as deflected when
    its user registered no ticket within N minutes of the first click. Sessions whose window
    has not ended yet are not counted either way."""
    minutes = minutes or settings.KNOWLEDGE_DEFLECTION_MINUTES
    now = now or timezone.now()
    window = dt.timedelta(minutes=minutes)
    sessions = (
        SuggestionClick.objects.filter(clicked_at__gte=since, clicked_at__lt=until)
        .values("token", "user_id")
        .annotate(first=Min("clicked_at"))
    )
    total = deflected = 0
    for row in sessions:
        if row["first"] + window > now:
            continue
        total += 1
        created = Ticket.objects.filter(
            Q(contact_id=row["user_id"]) | Q(created_by_id=row["user_id"]),
            created_at__gte=row["first"],
            created_at__lt=row["first"] + window,
        ).exists()
        deflected += not created
    return Deflection(total, deflected)


# -- case review candidates (PROCESS §14) ------------------------------------------------------

CANDIDATE_LONGEST = 5


def case_review_candidates(*, start: dt.datetime, end: dt.datetime) -> dict[int, list[str]]:
    """Tickets resolved in [start, end) worth a case review, with the reasons:
    "first_category" (no earlier ticket in its category), "first_keyword" (a keyword never
    matched before), "longest" (top resolution times), "reopened", "escalated" (reassigned or
    handed back), "low_satisfaction" (a dissatisfied survey answer)."""
    from quality.models import SurveyAnswer

    month = Ticket.objects.filter(resolved_at__gte=start, resolved_at__lt=end)
    reasons: dict[int, list[str]] = {}

    def add(ids: Any, reason: str) -> None:
        for pk in ids:
            reasons.setdefault(pk, [])
            if reason not in reasons[pk]:
                reasons[pk].append(reason)

    earlier_same_category = Ticket.objects.filter(
        category_id=OuterRef("category_id"), created_at__lt=start
    )
    add(
        month.filter(category__isnull=False)
        .exclude(Exists(earlier_same_category))
        .values_list("pk", flat=True),
        "first_category",
    )
    earlier_keyword = TicketKeywordMatch.objects.filter(
        keyword_id=OuterRef("keyword_id"), ticket__created_at__lt=start
    )
    add(
        TicketKeywordMatch.objects.filter(ticket__in=month)
        .exclude(Exists(earlier_keyword))
        .values_list("ticket_id", flat=True),
        "first_keyword",
    )
    add(
        month.annotate(took=F("resolved_at") - F("created_at"))
        .order_by("-took")
        .values_list("pk", flat=True)[:CANDIDATE_LONGEST],
        "longest",
    )
    add(month.filter(reopen_count__gt=0).values_list("pk", flat=True), "reopened")
    reassigned = (
        Assignment.objects.filter(ticket__in=month)
        .values("ticket_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("ticket_id", flat=True)
    )
    handed_back = TicketEvent.objects.filter(
        ticket__in=month, kind=TicketEvent.Kind.HANDED_BACK
    ).values_list("ticket_id", flat=True)
    add(list(reassigned) + list(handed_back), "escalated")
    add(
        SurveyAnswer.objects.filter(ticket__in=month, dissatisfied=True).values_list(
            "ticket_id", flat=True
        ),
        "low_satisfaction",
    )
    return reasons


CANDIDATE_REASONS = {
    "first_category": _("first-seen category"),
    "first_keyword": _("first-seen keyword"),
    "longest": _("longest resolution"),
    "reopened": _("reopened"),
    "escalated": _("reassigned or handed back"),
    "low_satisfaction": _("low satisfaction"),
}
