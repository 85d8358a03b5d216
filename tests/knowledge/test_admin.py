"""Admin of the knowledge base: every page with a row in it, read-only audit data, edits
re-index the article, the pitfall action queues the mails."""

import datetime as dt

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone

from knowledge import services
from knowledge.models import (
    Article,
    CaseReview,
    PitfallDelivery,
    PitfallGuide,
    SuggestionClick,
    TicketArticle,
)
from tests.factories import TicketFactory
from tickets.models import Status

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:knowledge_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def rows(org, agent, supervisor, customer):
    article = ArticleFactory(title="打印机离线")
    ticket = TicketFactory(organization=org, status=Status.RESOLVED, resolved_at=timezone.now())
    services.ticket_article_link(
        ticket_id=ticket.pk, article_id=article.pk, relation="referenced", actor=agent
    )
    services.ticket_index(ticket_id=ticket.pk)
    services.suggestion_click_record(
        token="11111111-1111-1111-1111-111111111111", user=customer, article_id=article.pk
    )
    services.root_cause_report_create(
        ticket_id=ticket.pk,
        actor=agent,
        data={"title": "根因", "root_cause": "x", "corrective_actions": "y"},
    )
    services.case_review_prepare(today=timezone.localdate() + dt.timedelta(days=40))
    guide = PitfallGuide.objects.create(title="打印避坑指南")
    guide.articles.add(article)
    guide.organizations.add(org)
    return article, guide


def test_every_page_with_rows(admin_client, rows):
    from django.contrib import admin

    for model in admin.site._registry:
        if model._meta.app_label != "knowledge":
            continue
        assert admin_client.get(url(model, "changelist")).status_code == 200, model
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            assert admin_client.get(url(model, "change", quote(obj.pk))).status_code == 200, model
    article = rows[0]
    assert admin_client.get(url(Article, "history", article.pk)).status_code == 200


def test_audit_rows_are_read_only(admin_client, rows):
    link = TicketArticle.objects.get()
    response = admin_client.post(url(TicketArticle, "delete", link.pk), {"post": "yes"})
    assert response.status_code == 403
    assert admin_client.get(url(SuggestionClick, "add")).status_code == 403
    assert TicketArticle.objects.exists()


def test_admin_edit_reindexes(admin_client, rows):
    article = rows[0]
    page = admin_client.get(url(Article, "change", article.pk))
    form = page.context["adminform"].form
    data = {n: form[n].value() for n in form.fields if form[n].value() is not None}
    data.update(title="Printer offline after upgrade", tags=[], source_tickets=[])
    response = admin_client.post(url(Article, "change", article.pk), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    article.refresh_from_db()
    assert "printer" in article.search_tokens
    assert article.status == "published"  # the workflow is not editable here


def test_pitfall_action_queues_once(admin_client, rows, django_capture_on_commit_callbacks):
    guide = rows[1]
    with django_capture_on_commit_callbacks():
        admin_client.post(
            url(PitfallGuide, "changelist"),
            {"action": "send_guides", "_selected_action": [guide.pk]},
        )
    assert PitfallDelivery.objects.filter(guide=guide).count() == 1  # alice, the one contact
    assert CaseReview.objects.count() == 1
