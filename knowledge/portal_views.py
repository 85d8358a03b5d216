"""Customer self-service (PROCESS §4): public, published articles only."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tickets.views.access import customer_required

from . import finder, selectors, services
from .forms import PortalSearchForm
from .models import ArticleStatus, Audience
from .rendering import render_markdown

PAGE_SIZE = 20


@customer_required
def kb_list(request: HttpRequest) -> HttpResponse:
    form = PortalSearchForm(request.GET or None)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context = {"form": form, "text": text}
    if text:
        context["hits"] = finder.search_articles(user=request.user, text=text)
    else:
        context["articles"] = list(
            selectors.article_visible_to(request.user)
            .select_related("category__parent")
            .order_by("-published_at", "-pk")[:PAGE_SIZE]
        )
    return render(request, "portal/kb_list.html", context)


@customer_required
def kb_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    # Defence in depth: the selector already limits customers to public, published articles.
    if not (article.audience == Audience.PUBLIC and article.status == ArticleStatus.PUBLISHED):
        raise Http404
    token = request.GET.get("kb_token")
    if token:
        services.suggestion_click_record(token=token, user=request.user, article_id=article.pk)
    html = {
        name: render_markdown(getattr(article, name))
        for name in ("symptom", "diagnosis", "solution", "prevention")
    }
    return render(
        request,
        "portal/kb_detail.html",
        {"article": article, "html": html, "tags": list(article.tags.all())},
    )
