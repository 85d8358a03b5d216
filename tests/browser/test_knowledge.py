"""Self-service in a real browser: suggestions while a customer types a ticket (htmx), opening
one counts as a click, and the portal search in Chinese and English."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from knowledge.models import SuggestionClick
from tests.knowledge.factories import ArticleFactory

from .test_smoke import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def articles(engineer):
    return {
        "login": ArticleFactory(
            title="无法登录 OA，提示密码错误",
            symptom="输入正确密码后仍然无法登录。",
            solution="清除浏览器缓存后重新登录。",
            author=engineer,
        ),
        "vpn": ArticleFactory(
            title="VPN connection drops every few minutes",
            symptom="The VPN client disconnects with error 809.",
            solution="Enable NAT traversal.",
            author=engineer,
        ),
        "internal": ArticleFactory(
            title="内部：登录服务器切换步骤",
            symptom="内部登录步骤",
            solution="内部",
            audience="internal",
            author=engineer,
        ),
    }


def test_customer_gets_suggestions_while_typing(open_page, page_problems, customer, articles):
    page = open_page(locale="zh-CN")
    log_in(page, customer)
    page.goto(reverse("portal:create"))
    page.locator("#id_title").press_sequentially("登录失败")
    box = page.locator("#kb-suggestions")
    expect(box.get_by_text(articles["login"].title)).to_be_visible()
    expect(box).not_to_contain_text(articles["internal"].title)
    with page.context.expect_page() as opened:
        box.get_by_text(articles["login"].title).click()
    article_page = opened.value
    article_page.wait_for_load_state()
    expect(article_page.locator("h1")).to_have_text(articles["login"].title)
    assert SuggestionClick.objects.filter(user=customer, article=articles["login"]).count() == 1
    assert page_problems == []


@pytest.mark.parametrize(
    ("locale", "query", "key", "heading"),
    [("zh-CN", "登录失败", "login", "自助服务"), ("en-US", "vpn eror", "vpn", "Self-service")],
)
def test_portal_search(open_page, page_problems, customer, articles, locale, query, key, heading):
    page = open_page(locale=locale)
    log_in(page, customer)
    page.goto(reverse("portal_kb:list"))
    expect(page.locator("h1")).to_contain_text(heading)
    page.get_by_role("searchbox").fill(query)
    page.get_by_role("searchbox").press("Enter")
    results = page.locator("[data-kb-results]")
    expect(results.get_by_text(articles[key].title)).to_be_visible()
    expect(results).not_to_contain_text(articles["internal"].title)
    expect(page).to_have_url(re.compile(r"\?q="))
    assert page_problems == []
