"""Engineer pages, ticket-page partials and the customer self-service pages: wiring and scope."""

import pytest
from django.urls import reverse

from knowledge.models import Article, SuggestionClick, TicketArticle
from tests.factories import TicketFactory
from tickets.models import Status

from .factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_engineer_pages_render(client, agent, corpus):
    client.force_login(agent)
    article = corpus["login"]
    for url in (
        reverse("knowledge:list"),
        reverse("knowledge:list") + "?q=登录失败&status=published",
        reverse("knowledge:list") + "?overdue=on",
        reverse("knowledge:detail", args=[article.pk]),
        reverse("knowledge:edit", args=[article.pk]),
        reverse("knowledge:create"),
        reverse("knowledge:versions", args=[article.pk]),
        reverse("knowledge:maintenance"),
        reverse("knowledge:reviews"),
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("knowledge:list") + "?q=登录失败")
    assert "<mark>登录</mark>" in page.content.decode()


def test_customer_is_sent_to_portal(client, customer):
    client.force_login(customer)
    assert client.get(reverse("knowledge:list")).status_code == 302


def test_create_from_ticket_prefills_and_links(client, agent, org):
    ticket = TicketFactory(organization=org, title="打印机离线", description="网络打印机离线")
    client.force_login(agent)
    page = client.get(reverse("knowledge:create") + f"?ticket={ticket.number}")
    assert "打印机离线" in page.content.decode()
    response = client.post(
        reverse("knowledge:create"),
        {
            "title": "打印机离线",
            "symptom": "离线",
            "solution": "重启",
            "audience": "public",
            "from_ticket": ticket.number,
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert TicketArticle.objects.get().article == article


def test_bad_source_ticket_is_a_form_error(client, agent):
    client.force_login(agent)
    response = client.post(
        reverse("knowledge:create"),
        {"title": "x", "audience": "public", "source_tickets": "TS-00000000-999"},
    )
    assert response.status_code == 200
    assert "TS-00000000-999" in response.content.decode()
    assert not Article.objects.exists()


def test_author_cannot_publish_through_the_page(client, engineer):
    article = ArticleFactory(author=engineer, status="in_review")
    client.force_login(engineer)
    client.post(reverse("knowledge:transition", args=[article.pk]), {"to": "published"})
    article.refresh_from_db()
    assert article.status == "in_review"


def test_ticket_panel_and_link(client, agent, org, corpus):
    ticket = TicketFactory(organization=org, title="无法登录 OA", status=Status.IN_PROGRESS)
    client.force_login(agent)
    panel = client.get(reverse("knowledge:ticket_panel", args=[ticket.number]))
    assert corpus["login"].title in panel.content.decode()
    client.post(
        reverse("knowledge:ticket_link", args=[ticket.number]),
        {"article": corpus["login"].pk, "relation": "referenced"},
    )
    assert TicketArticle.objects.filter(ticket=ticket, relation="referenced").exists()
    detail = client.get(ticket.get_absolute_url())
    assert reverse("knowledge:ticket_panel", args=[ticket.number]) in detail.content.decode()


def test_suggestions_partial_for_customer_hides_internal(client, customer, corpus):
    client.force_login(customer)
    response = client.get(
        reverse("knowledge:suggestions"),
        {
            "title": "登录",
            "description": "数据库",
            "kb_token": "11111111-1111-1111-1111-111111111111",
        },
    )
    body = response.content.decode()
    assert corpus["login"].title in body
    assert corpus["internal"].title not in body
    assert "secret-internal" not in body
    assert "kb_token=11111111-1111-1111-1111-111111111111" in body


def test_portal_forms_carry_the_suggestion_box(client, customer, agent):
    client.force_login(customer)
    assert 'id="kb-suggestions"' in client.get(reverse("portal:create")).content.decode()
    client.force_login(agent)
    assert 'id="kb-suggestions"' in client.get(reverse("tickets:create")).content.decode()


def test_portal_self_service(client, customer, corpus):
    client.force_login(customer)
    listing = client.get(reverse("portal_kb:list")).content.decode()
    assert corpus["login"].title in listing
    assert corpus["internal"].title not in listing
    found = client.get(reverse("portal_kb:list"), {"q": "pasword"}).content.decode()
    assert corpus["password"].title in found
    assert client.get(reverse("portal_kb:detail", args=[corpus["internal"].pk])).status_code == 404
    assert client.get(reverse("portal_kb:detail", args=[corpus["draft"].pk])).status_code == 404
    page = client.get(
        reverse("portal_kb:detail", args=[corpus["login"].pk]),
        {"kb_token": "11111111-1111-1111-1111-111111111111"},
    )
    assert page.status_code == 200
    assert SuggestionClick.objects.get().article == corpus["login"]


def test_markdown_is_sanitised(client, customer, engineer):
    article = ArticleFactory(
        author=engineer, symptom="<script>alert(1)</script> [x](javascript:alert(1)) **bold**"
    )
    client.force_login(customer)
    body = client.get(reverse("portal_kb:detail", args=[article.pk])).content.decode()
    assert "<script>alert" not in body
    assert 'href="javascript' not in body
    assert "<strong>bold</strong>" in body


def test_suggestion_queries_do_not_grow_with_hits(
    client, agent, org, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from knowledge import services as kb

    client.force_login(agent)
    url = reverse("knowledge:suggestions")

    def count() -> int:
        client.get(url, {"title": "打印机 离线"})  # warm-up
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"title": "打印机 离线"})
        assert "打印机" in response.content.decode()
        return len(ctx.captured_queries)

    def add(n: int) -> None:
        for i in range(n):
            ArticleFactory(title=f"打印机离线 {i}")
            ticket = TicketFactory(organization=org, title=f"打印机离线 {i}", status=Status.CLOSED)
            kb.ticket_index(ticket_id=ticket.pk)

    add(1)
    few = count()
    add(6)
    # fewer hits can take more search stages (every word, any word, similar title), never more
    assert count() <= few
