"""Smoke tests in a real browser: sign in, queue, ticket, conversation, status, portal.

Each test saves full-page screenshots to test-artifacts/screenshots/ for a human to look at.
"""

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from tests.factories import RoutingRuleFactory, category
from tickets import services
from tickets.errors import InvalidTransition
from tickets.models import Channel, Message, MessageKind, Status, Ticket, User
from tickets.workflow import allowed_targets

pytestmark = [
    pytest.mark.browser,
    # live_server needs committed data; the rollback restores the roles and categories that the
    # migrations seeded, which the flush after each test would otherwise wipe out.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PASSWORD = "pass12345"  # the factories' password
TRANSPARENT = "rgba(0, 0, 0, 0)"
PAGE_BACKGROUND = "rgb(244, 246, 249)"  # body background set by static/css/helpdesk.css
REPLY = "您好，请提供报错截图和发生时间。"


@pytest.fixture
def routed_ticket(customer, engineer):
    """A customer's portal ticket, classified by keyword and dispatched by a routing rule."""
    team = engineer.memberships.get().team
    RoutingRuleFactory(team=team, category=category("account-login"))
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(
            title="无法登录 OA 系统",
            description="输入密码后提示登录失败，错误码 ERR_AUTH_401。",
            channel=Channel.PORTAL,
        ),
    )
    assert (ticket.category.code, ticket.team, ticket.assignee) == ("account-login", team, engineer)
    assert ticket.status == Status.ASSIGNED
    services.message_add(ticket_id=ticket.pk, actor=engineer, kind=MessageKind.REPLY, body=REPLY)
    return ticket


def log_in(page: Page, user: User) -> None:
    """Start at the site root as a stranger would and sign in through the form."""
    page.goto("/")
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + "$"))
    form = page.locator("form[action='{}']".format(reverse("login")))
    form.locator("input[name=username]").fill(user.username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def assert_styled(page: Page) -> None:
    """Bootstrap, the icon font and our stylesheet really loaded (not the browser's defaults)."""
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready")
    style = page.evaluate(
        """() => {
        const css = (sel, pseudo) => getComputedStyle(document.querySelector(sel), pseudo);
        return {
            sheets: [...document.styleSheets].map(s => [s.href, s.cssRules.length]),
            navbarDisplay: css('.navbar').display,
            navbarBackground: css('.navbar').backgroundColor,
            buttonRadius: css('.btn').borderTopLeftRadius,
            bodyBackground: css('body').backgroundColor,
            iconFont: css('.bi', '::before').fontFamily,
            iconFontLoaded: document.fonts.check('16px bootstrap-icons'),
        };
    }"""
    )
    assert len(style["sheets"]) >= 3, style["sheets"]
    assert all(rules > 0 for _href, rules in style["sheets"]), style["sheets"]
    assert style["navbarDisplay"] == "flex", style
    assert style["navbarBackground"] != TRANSPARENT, style
    assert style["buttonRadius"] not in ("", "0px"), style
    assert style["bodyBackground"] == PAGE_BACKGROUND, style
    assert "bootstrap-icons" in style["iconFont"], style
    assert style["iconFontLoaded"], style


def assert_language(page: Page, code: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", code)
    switcher = page.locator("nav form.lang-switch")
    expect(switcher.locator(f"button[value='{code}']")).to_have_attribute("aria-pressed", "true")
    expect(switcher.locator("button[aria-pressed='true']")).to_have_count(1)


def en(text) -> str:
    with translation.override("en"):
        return str(text)


def shoot(page: Page, folder: Path, name: str) -> None:
    path = folder / name
    page.screenshot(path=path, full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"


def category_badge(page: Page):
    """The ticket header's category badge (bilingual data, follows the active language)."""
    return page.locator("main .ticket-number ~ .badge.text-bg-light").first


def queue_row(page: Page, ticket: Ticket):
    row = page.locator(
        "table.table-queue tbody tr", has=page.get_by_role("link", name=ticket.number)
    )
    expect(row).to_have_count(1)
    return row


def test_agent_reads_queue_and_ticket_in_chinese_then_english(
    open_page, page_problems, screenshots, settings, agent, engineer, routed_ticket
):
    settings.LANGUAGE_CODE = "zh-hans"  # the project's default; tests/conftest.py sets "en"
    ticket = routed_ticket
    team = ticket.team
    page = open_page(locale="zh-CN")

    page.goto(reverse("login"))
    assert_language(page, "zh-hans")
    # Django's own catalogue translates the form labels even before ours is compiled.
    expect(page.locator("label[for=id_username]")).to_have_text("用户名")
    expect(page.locator("label[for=id_password]")).to_have_text("密码")
    log_in(page, agent)

    expect(page).to_have_url(re.compile(re.escape(reverse("tickets:queue")) + r"(\?.*)?$"))
    assert_language(page, "zh-hans")
    assert_styled(page)
    row = queue_row(page, ticket)
    expect(row).to_contain_text(ticket.title)
    expect(row).to_contain_text("账号权限 / 登录失败")
    expect(row).to_contain_text(team.name)
    expect(row).to_contain_text(str(engineer))
    expect(row.locator(".badge-status")).to_have_class(re.compile(r"\bstatus-assigned\b"))
    shoot(page, screenshots, "queue-zh.png")

    row.get_by_role("link", name=ticket.number).click()
    expect(page).to_have_url(re.compile(re.escape(ticket.get_absolute_url()) + "$"))
    assert_language(page, "zh-hans")
    assert_styled(page)
    expect(page.locator("main .ticket-number").first).to_have_text(ticket.number)
    expect(page.locator("main h1")).to_have_text(ticket.title)
    expect(category_badge(page)).to_have_text("账号权限 / 登录失败")
    expect(page.locator(".scene-text").first).to_have_text(ticket.description)
    timeline = page.locator("#tab-conversation ul.timeline")
    expect(timeline.locator(".msg-reply .msg-body")).to_have_text([REPLY])
    expect(timeline.locator("li.event")).not_to_have_count(0)
    shoot(page, screenshots, "ticket-zh.png")

    page.locator("nav form.lang-switch button[value=en]").click()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(re.escape(ticket.get_absolute_url()) + "$"))
    assert_language(page, "en")
    assert_styled(page)
    expect(category_badge(page)).to_have_text("Account & permission / Login failure")
    expect(page.get_by_role("tab", name="Conversation")).to_be_visible()
    expect(timeline.locator(".msg-reply .msg-body")).to_have_text([REPLY])
    shoot(page, screenshots, "ticket-en.png")
    agent.refresh_from_db()
    assert agent.language == "en"

    page.get_by_role("link", name="Back to queue").click()
    page.wait_for_load_state()
    assert_language(page, "en")
    assert_styled(page)
    row = queue_row(page, ticket)
    expect(row).to_contain_text("Account & permission / Login failure")
    expect(row).to_contain_text(ticket.title)
    shoot(page, screenshots, "queue-en.png")
    assert page_problems == []


def open_ticket_as(open_page, user: User, ticket: Ticket) -> Page:
    page = open_page()
    log_in(page, user)
    page.goto(ticket.get_absolute_url())
    assert_language(page, "en")
    return page


def test_agent_replies_and_adds_an_internal_note(open_page, page_problems, agent, routed_ticket):
    ticket = routed_ticket
    page = open_ticket_as(open_page, agent, ticket)
    compose = page.locator("form#compose")

    compose.locator("textarea[name=body]").fill("We are resetting your LDAP password now.")
    compose.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".messages .alert-success")).to_have_text("Reply sent.")

    compose.locator("label[for=kind-note]").click()
    expect(compose).to_have_class(re.compile(r"\bkind-note\b"))  # helpdesk.js tints the box
    compose.locator("textarea[name=body]").fill("LDAP 账号被锁定，已联系 AD 管理员。")
    compose.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".messages .alert-success")).to_have_text("Internal note added.")

    timeline = page.locator("#tab-conversation ul.timeline")
    expect(timeline.locator(".msg .msg-body")).to_have_text(
        [REPLY, "We are resetting your LDAP password now.", "LDAP 账号被锁定，已联系 AD 管理员。"]
    )
    expect(timeline.locator(".msg-note .msg-body")).to_have_text(
        ["LDAP 账号被锁定，已联系 AD 管理员。"]
    )
    expect(timeline.locator(".msg-note .badge")).to_contain_text("internal note")
    assert list(ticket.messages.order_by("created_at").values_list("kind", flat=True)) == [
        MessageKind.REPLY,
        MessageKind.REPLY,
        MessageKind.NOTE,
    ]
    assert page_problems == []


def test_agent_moves_the_status_and_an_illegal_move_is_refused(
    open_page, page_problems, screenshots, agent, routed_ticket
):
    ticket = routed_ticket
    page = open_ticket_as(open_page, agent, ticket)
    status_form = page.locator("form[data-transition]")
    offered = status_form.locator("select[name=to] option:not([disabled])")
    expect(offered).to_have_count(len(allowed_targets(Status.ASSIGNED)))
    assert offered.evaluate_all("os => os.map(o => o.value)") == [
        s.value for s in allowed_targets(Status.ASSIGNED)
    ]
    status_form.locator("select[name=to]").select_option(Status.IN_PROGRESS.value)
    status_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".messages .alert-success")).to_contain_text(en(Status.IN_PROGRESS.label))
    expect(page.locator("main .badge-status").first).to_have_class(
        re.compile(r"\bstatus-in_progress\b")
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS

    # Closing straight from "in progress" is not a legal move, so it is not offered ...
    offered_now = offered.evaluate_all("os => os.map(o => o.value)")
    assert offered_now == [s.value for s in allowed_targets(Status.IN_PROGRESS)]
    assert Status.CLOSED.value not in offered_now
    # ... and a crafted form that asks for it anyway is refused with the service's message.
    status_form.locator("select[name=to]").evaluate(
        "(select, value) => { select.add(new Option(value, value)); select.value = value; }",
        Status.CLOSED.value,
    )
    status_form.locator("input[name=reason]").fill("customer gave up")
    status_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    refusal = en(InvalidTransition(Status.IN_PROGRESS, Status.CLOSED).message)
    expect(page.locator(".messages .alert-danger")).to_have_text(refusal)
    expect(page.locator("main .badge-status").first).to_have_class(
        re.compile(r"\bstatus-in_progress\b")
    )
    shoot(page, screenshots, "ticket-actions-en.png")

    # A direct POST with a valid CSRF token is refused the same way (server-side check); the
    # refusal is shown on the ticket page the POST redirects to.
    token = status_form.locator("input[name=csrfmiddlewaretoken]").input_value()
    response = page.request.post(
        reverse("tickets:transition", args=[ticket.number]),
        form={"csrfmiddlewaretoken": token, "to": Status.ARCHIVED.value, "reason": "tidy up"},
        max_redirects=0,
    )
    assert response.status == 302, response.status
    assert response.headers["location"] == ticket.get_absolute_url()
    page.reload()
    expect(page.locator(".messages .alert-danger")).to_contain_text(
        "reached through its own action"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert page_problems == []


def test_customer_sees_public_conversation_and_replies_in_the_portal(
    open_page, page_problems, screenshots, settings, customer, agent, routed_ticket
):
    settings.LANGUAGE_CODE = "zh-hans"
    ticket = routed_ticket
    note = "内部备注：客户的 LDAP 账号被锁定"
    services.message_add(ticket_id=ticket.pk, actor=agent, kind=MessageKind.NOTE, body=note)
    page = open_page(locale="zh-CN")
    log_in(page, customer)

    expect(page).to_have_url(re.compile(re.escape(reverse("portal:list")) + "$"))
    assert_language(page, "zh-hans")
    assert_styled(page)
    row = queue_row(page, ticket)
    expect(row).to_contain_text(ticket.title)
    # The customer's view of the status, readable (a coloured badge, not white on white).
    badge = row.locator(".badge-status")
    expect(badge).to_have_text("已受理")
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") != TRANSPARENT
    row.get_by_role("link", name=ticket.number).click()

    expect(page).to_have_url(re.compile(re.escape(reverse("portal:detail", args=[ticket.number]))))
    assert_styled(page)
    expect(page.locator("main h1")).to_have_text(ticket.title)
    conversation = page.locator("#conversation")
    expect(conversation.locator(".msg-body")).to_have_text([REPLY])
    assert note not in page.content()
    expect(page.locator(".msg-note")).to_have_count(0)

    reply = "截图已上传，今天上午 9 点开始无法登录。"
    conversation.locator("textarea[name=body]").fill(reply)
    conversation.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".messages .alert-success")).to_have_count(1)
    expect(conversation.locator(".msg-body")).to_have_text([REPLY, reply])
    expect(conversation.locator(".msg.from-customer .msg-body")).to_have_text([reply])
    assert note not in page.content()
    assert_language(page, "zh-hans")
    shoot(page, screenshots, "portal-ticket.png")

    latest = Message.objects.filter(ticket=ticket).latest("created_at")
    assert (latest.author, latest.kind, latest.body) == (customer, MessageKind.REPLY, reply)
    assert page_problems == []
