"""Engineer pages of the knowledge base and the partials shown on ticket pages. Thin: forms in,
services for writes, selectors and the finder for reads."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tickets.errors import DomainError
from tickets.forms.common import apply_domain_error
from tickets.models import Category, Ticket
from tickets.pagination import paginate, parse_page
from tickets.permissions import user_caps
from tickets.selectors import ticket_get_for_user, ticket_visible_to
from tickets.views.access import engineer_required, run_service

from . import finder, selectors, services, workflow
from .forms import (
    ArticleFilterForm,
    ArticleForm,
    CaseReviewRecordForm,
    LinkForm,
    PitfallGuideForm,
    RootCauseForm,
    TransitionForm,
)
from .models import ArticleStatus, CaseReview, CaseReviewItem, PitfallGuide
from .permissions import kb_caps
from .rendering import render_markdown

PAGE_SIZE = 25


def _filters_from(form: ArticleFilterForm) -> finder.Filters:
    data = form.cleaned_data
    category = (
        Category.objects.filter(pk=data.get("category")).first() if data.get("category") else None
    )
    return finder.Filters(
        product_version=data.get("product_version", ""),
        category=category,
        tags=(data["tag"],) if data.get("tag") else (),
        audience=data.get("audience", ""),
        status=data.get("status", ""),
    )


@engineer_required
def article_list(request: HttpRequest) -> HttpResponse:
    form = ArticleFilterForm(request.GET or None)
    context: dict[str, Any] = {
        "form": form,
        "kb": kb_caps(request.user),
        "today": timezone.localdate(),
    }
    if form.is_valid() and form.cleaned_data["q"].strip():
        filters = _filters_from(form)
        text = form.cleaned_data["q"]
        context["article_hits"] = finder.search_articles(
            user=request.user, text=text, filters=filters
        )
        context["ticket_hits"] = finder.search_tickets(
            user=request.user, text=text, filters=filters
        )
        context["searching"] = True
        return render(request, "knowledge/list.html", context)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.article_list(
        user=request.user,
        status=data.get("status", ""),
        audience=data.get("audience", ""),
        category_id=data.get("category"),
        tag_id=data["tag"].pk if data.get("tag") else None,
        product_version=data.get("product_version", ""),
        overdue=data.get("overdue", False),
        mine=data.get("mine", False),
    )
    context["page"] = paginate(qs, number=parse_page(request.GET.get("page")), size=PAGE_SIZE)
    return render(request, "knowledge/list.html", context)


def _rendered(article: Any) -> dict[str, str]:
    return {
        name: render_markdown(getattr(article, name))
        for name in ("symptom", "diagnosis", "solution", "prevention")
    }


@engineer_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    caps = kb_caps(request.user)
    links = list(
        article.ticket_links.select_related("ticket").filter(
            ticket__in=ticket_visible_to(request.user)
        )
    )
    return render(
        request,
        "knowledge/detail.html",
        {
            "article": article,
            "html": _rendered(article),
            "tags": list(article.tags.all()),
            "sources": list(ticket_visible_to(request.user).filter(source_of_articles=article)),
            "links": links,
            "kb": caps,
            "targets": [
                {"value": t, "label": workflow.ACTION_LABELS[ArticleStatus(t)]}
                for t in workflow.allowed_targets(article.status)
            ],
            "is_author": article.author_id == request.user.pk,
            "overdue": article.is_overdue(),
            "transition_form": TransitionForm(),
        },
    )


def _tickets_by_number(user: Any, numbers: list[str]) -> list[int]:
    found = dict(ticket_visible_to(user).filter(number__in=numbers).values_list("number", "pk"))
    missing = [n for n in numbers if n not in found]
    if missing:
        raise DomainError(
            _("Unknown ticket number: %(numbers)s") % {"numbers": ", ".join(missing)},
            field="source_tickets",
        )
    return list(found.values())


def _from_ticket(request: HttpRequest) -> Ticket | None:
    number = request.GET.get("ticket") or request.POST.get("from_ticket")
    if not number:
        return None
    return ticket_get_for_user(user=request.user, number=number)


@engineer_required
def article_create(request: HttpRequest) -> HttpResponse:
    if not kb_caps(request.user).write:
        raise PermissionDenied
    ticket = _from_ticket(request)
    initial: dict[str, Any] = {}
    if ticket is not None and request.method != "POST":
        data = services.article_draft_data_from_ticket(ticket=ticket)
        initial = {**data, "category": data["category"].pk if data["category"] else None,
                   "tags": list(ticket.tags.all())}  # fmt: skip
    form = ArticleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                actor=request.user,
                data=form.article_data(),
                tags=form.cleaned_data["tags"],
                source_ticket_ids=_tickets_by_number(request.user, form.ticket_numbers()),
                from_ticket_id=ticket.pk if ticket else None,
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Draft article saved."))
            return redirect("knowledge:detail", pk=article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "ticket": ticket})


@engineer_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    if not kb_caps(request.user).write:
        raise PermissionDenied
    ticket = _from_ticket(request)
    form = ArticleForm(request.POST or None, initial=ArticleForm.initial_from(article))
    if request.method == "POST" and form.is_valid():
        try:
            services.article_update(
                article_id=article.pk,
                actor=request.user,
                data=form.article_data(),
                tags=form.cleaned_data["tags"],
                source_ticket_ids=_tickets_by_number(request.user, form.ticket_numbers()),
                from_ticket_id=ticket.pk if ticket else None,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Article saved."))
            return redirect("knowledge:detail", pk=article.pk)
    return render(
        request, "knowledge/edit.html", {"form": form, "article": article, "ticket": ticket}
    )


@require_POST
@engineer_required
def article_transition(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.article_transition(
                article_id=article.pk,
                actor=request.user,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            ),
            _("Article status changed."),
        )
    else:
        messages.error(request, _("Choose a valid status."))
    return redirect("knowledge:detail", pk=article.pk)


@require_POST
@engineer_required
def article_reviewed(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    run_service(
        request,
        lambda: services.article_mark_reviewed(article_id=article.pk, actor=request.user),
        _("Periodic review confirmed."),
    )
    if request.POST.get("next") == "maintenance":
        return redirect("knowledge:maintenance")
    return redirect("knowledge:detail", pk=article.pk)


@engineer_required
def article_versions(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    versions = list(selectors.article_versions(article=article))
    diff = None
    a_id, b_id = request.GET.get("a"), request.GET.get("b")
    if a_id and b_id:
        by_id = {str(v.history_id): v for v in versions}
        old, new = by_id.get(a_id), by_id.get(b_id)
        if old is None or new is None:
            raise Http404
        if old.history_date > new.history_date:
            old, new = new, old
        diff = {"old": old, "new": new, "fields": selectors.version_diff(old, new)}
    elif len(versions) >= 2:
        diff = {
            "old": versions[1],
            "new": versions[0],
            "fields": selectors.version_diff(versions[1], versions[0]),
        }
    return render(
        request, "knowledge/versions.html", {"article": article, "versions": versions, "diff": diff}
    )


@engineer_required
def maintenance(request: HttpRequest) -> HttpResponse:
    """Overdue and soon-due reviews, the review queue, deflection and contributions."""
    today = timezone.localdate()
    user = request.user
    month_start = today.replace(day=1)
    since = (month_start - dt.timedelta(days=150)).replace(day=1)
    now = timezone.now()
    return render(
        request,
        "knowledge/maintenance.html",
        {
            "overdue": list(
                selectors.article_overdue(
                    selectors.article_visible_to(user), today=today
                ).select_related("author")[:200]
            ),
            "due_soon": list(selectors.article_due_soon(user=user, today=today)[:100]),
            "in_review": list(
                selectors.article_list(user=user, status=ArticleStatus.IN_REVIEW)[:100]
            ),
            "kpi": selectors.articles_published_per_author(
                since=since, until=today + dt.timedelta(days=1)
            ),
            "deflection": selectors.deflection_stats(since=now - dt.timedelta(days=30), until=now),
            "kb": kb_caps(user),
            "today": today,
        },
    )


@require_GET
def suggestions(request: HttpRequest) -> HttpResponse:
    """htmx partial: suggestions for the text typed so far (engineers and customers)."""
    if not request.user.is_authenticated:
        raise PermissionDenied
    text = " ".join(request.GET.get(k, "") for k in ("title", "description", "text"))
    hits = finder.suggestions(user=request.user, text=text)
    return render(
        request,
        "knowledge/_suggestions.html",
        {
            "hits": hits,
            "token": request.GET.get("kb_token", ""),
            "portal": user_caps(request.user).is_customer,
            "text": text.strip(),
        },
    )


@engineer_required
def ticket_panel(request: HttpRequest, number: str) -> HttpResponse:
    """htmx partial on the ticket page: linked articles, similar knowledge, actions."""
    ticket = ticket_get_for_user(user=request.user, number=number)
    text = f"{ticket.title} {ticket.description[:300]}"
    hits = [
        h
        for h in finder.suggestions(user=request.user, text=text)
        if not (h.kind == "ticket" and h.pk == ticket.pk)
    ]
    return render(
        request,
        "knowledge/_ticket_panel.html",
        {
            "ticket": ticket,
            "links": selectors.ticket_articles(ticket=ticket, user=request.user),
            "hits": hits,
            "kb": kb_caps(request.user),
            "may_link": user_caps(request.user).work,
            "link_form": LinkForm(),
            "may_report": ticket.resolved_at is not None
            and timezone.now() <= ticket.resolved_at + services.reviews.ROOT_CAUSE_WINDOW,
            "reports": list(ticket.root_cause_reports.all()),
        },
    )


@require_POST
@engineer_required
def ticket_link(request: HttpRequest, number: str) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, number=number)
    form = LinkForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.ticket_article_link(
                ticket_id=ticket.pk,
                article_id=form.cleaned_data["article"],
                relation=form.cleaned_data["relation"],
                actor=request.user,
            ),
            _("Article linked."),
        )
    else:
        messages.error(request, _("Give an article number and a relation."))
    return redirect(ticket.get_absolute_url())


@require_POST
@engineer_required
def ticket_unlink(request: HttpRequest, number: str, link_id: int) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, number=number)
    run_service(
        request,
        lambda: services.ticket_article_unlink(link_id=link_id, actor=request.user),
        _("Link removed."),
    )
    return redirect(ticket.get_absolute_url())


@engineer_required
def root_cause_create(request: HttpRequest, number: str) -> HttpResponse:
    ticket = ticket_get_for_user(user=request.user, number=number)
    form = RootCauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.root_cause_report_create(
                ticket_id=ticket.pk,
                actor=request.user,
                data=form.cleaned_data,
                article_ids=form.article_ids(),
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Root-cause report saved."))
            return redirect(ticket.get_absolute_url())
    return render(request, "knowledge/root_cause.html", {"form": form, "ticket": ticket})


@engineer_required
def review_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "knowledge/reviews.html",
        {"reviews": CaseReview.objects.select_related("organizer")[:36]},
    )


@engineer_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(CaseReview, pk=pk)
    items = list(
        review.items.filter(ticket__in=ticket_visible_to(request.user)).select_related(
            "ticket", "article"
        )
    )
    record_form = CaseReviewRecordForm(
        request.POST if request.POST.get("action") == "record" else None,
        initial={"held_at": review.held_at, "notes": review.notes},
    )
    if request.method == "POST" and request.POST.get("action") == "record":
        if record_form.is_valid():
            try:
                services.case_review_record(
                    review_id=review.pk, actor=request.user, **record_form.cleaned_data
                )
            except DomainError as exc:
                apply_domain_error(record_form, exc)
            else:
                messages.success(request, _("Meeting record saved."))
                return redirect("knowledge:review", pk=review.pk)
    elif request.method == "POST":
        if not str(request.POST.get("item", "")).isdigit():
            raise Http404
        item = get_object_or_404(CaseReviewItem, pk=request.POST.get("item"), review=review)
        if request.POST.get("action") == "draft":
            run_service(
                request,
                lambda: services.case_review_draft_article(item_id=item.pk, actor=request.user),
                _("Article draft created."),
            )
        else:
            run_service(
                request,
                lambda: services.case_review_choose(
                    item_id=item.pk,
                    actor=request.user,
                    chosen=request.POST.get("action") == "choose",
                ),
                _("Case review updated."),
            )
        return redirect("knowledge:review", pk=review.pk)
    return render(
        request,
        "knowledge/review_detail.html",
        {
            "review": review,
            "record_form": record_form,
            "items": items,
            "reasons": selectors.CANDIDATE_REASONS,
            "kb": kb_caps(request.user),
        },
    )


@engineer_required
def guides(request: HttpRequest) -> HttpResponse:
    """Pitfall guides (避坑指南): create one, send it to its organizations' contacts."""
    form = PitfallGuideForm(request.POST if request.POST.get("action") == "create" else None)
    if request.method == "POST" and request.POST.get("action") == "send":
        guide_id = str(request.POST.get("guide", ""))
        if not guide_id.isdigit():
            raise Http404
        guide = get_object_or_404(PitfallGuide, pk=guide_id)
        run_service(
            request,
            lambda: services.pitfall_guide_send(guide_id=guide.pk, actor=request.user),
            _("The guide is being sent to the contacts of its organizations."),
        )
        return redirect("knowledge:guides")
    if request.method == "POST" and form.is_valid():
        try:
            services.pitfall_guide_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                introduction=form.cleaned_data["introduction"],
                article_ids=form.article_ids(),
                organization_ids=[o.pk for o in form.cleaned_data["organizations"]],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Pitfall guide saved."))
            return redirect("knowledge:guides")
    rows = PitfallGuide.objects.prefetch_related("articles", "organizations").annotate(
        delivered=Count("deliveries", filter=Q(deliveries__sent_at__isnull=False))
    )[:50]
    return render(
        request,
        "knowledge/guides.html",
        {"form": form, "guides": rows, "kb": kb_caps(request.user)},
    )
