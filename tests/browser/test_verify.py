"""A customer verifies a fix (PROCESS §12) in headless Chromium: first "not solved" in the
portal (in English), which reopens the ticket as a second round; then, after the engineer's next
self-test, "solved" through the signed link of the email, without logging in (in Chinese). And a
customer raises a requirement from a ticket (§17)."""

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.test_smoke import log_in, shoot
from tests.factories import UserFactory
from tests.sla.conftest import MEDIUM, register_assigned, start_work
from tickets import services
from tickets.models import OutboundEmail, Requirement, Status, Ticket, Verification
from tickets.roles import Role
from tickets.services import closure

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def resolve_and_self_test(ticket: Ticket, engineer) -> None:
    services.ticket_transition(ticket_id=ticket.pk, actor=engineer, to=Status.RESOLVED)
    closure.selftest_record(
        ticket_id=ticket.pk, actor=engineer, passed=True, notes="登录 10 次成功"
    )


@pytest.fixture
def product_manager_user(db):
    return UserFactory(username="pm", role=Role.PRODUCT_MANAGER)


@pytest.fixture
def resolved(agent, customer, engineer, org):
    ticket = register_assigned(
        agent, org, engineer.teams.get(), engineer, level=MEDIUM, contact=customer
    )
    start_work(ticket, engineer)
    resolve_and_self_test(ticket, engineer)
    return Ticket.objects.get(pk=ticket.pk)


def test_not_solved_in_the_portal_then_solved_by_the_email_link(
    open_page, page_problems, screenshots, settings, customer, engineer, resolved
):
    page = open_page()
    log_in(page, customer)
    page.goto(f"/portal/{resolved.number}/")
    form = page.locator("form.verify-form")
    expect(form).to_contain_text("please verify the fix")
    form.get_by_label("No, it is not solved").check()
    form.get_by_role("button", name="Send my verification").click()
    expect(page.locator(".alert-danger, .alert-error")).to_contain_text("still not working")
    assert not Verification.objects.exists()
    form = page.locator("form.verify-form")
    form.get_by_label("No, it is not solved").check()
    form.locator("textarea[name=comment]").fill("Export to PDF still fails with error 500")
    shoot(page, screenshots, "verify-portal-not-solved-en.png")
    form.get_by_role("button", name="Send my verification").click()
    expect(page.locator(".alert-success")).to_contain_text("verification has been recorded")
    expect(page.locator("form.verify-form")).to_have_count(0)
    ticket = Ticket.objects.get(pk=resolved.pk)
    assert (ticket.status, ticket.reopen_count) == (Status.IN_PROGRESS, 1)
    assert not page_problems, page_problems

    # second round: the engineer fixes it again; the customer answers from the email, logged out
    resolve_and_self_test(ticket, engineer)
    mail = OutboundEmail.objects.filter(template="ticket_verification").order_by("-id").first()
    link = urlparse(mail.context["verify_url"]).path
    settings.LANGUAGE_CODE = "zh-hans"
    page = open_page(locale="zh-CN")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("验证修复")
    page.get_by_label("是，已解决").check()
    page.locator("textarea[name=comment]").fill("导出正常了，谢谢")
    shoot(page, screenshots, "verify-link-zh.png")
    page.get_by_role("button", name="提交验证结果").click()
    expect(page.locator(".verify-done")).to_be_visible()
    shoot(page, screenshots, "verify-link-done-zh.png")
    verification = Verification.objects.get(round=1)
    assert (verification.outcome, verification.via) == ("solved", "link")
    page.goto(link)  # the link is spent: it says so, and changes nothing
    expect(page.get_by_role("main")).to_contain_text("不再等待")
    assert Verification.objects.count() == 2
    assert page_problems == [f"HTTP 410: {page.url}"]
    page_problems.clear()


def test_the_customer_raises_a_requirement_from_a_ticket(
    open_page, page_problems, screenshots, settings, customer, resolved, product_manager_user
):
    settings.LANGUAGE_CODE = "zh-hans"
    page = open_page(locale="zh-CN")
    log_in(page, customer)
    page.goto(f"/portal/{resolved.number}/")
    page.locator(".portal-ticket-requirements a.btn").click()
    form = page.locator("form.requirement-form")
    form.locator("input[name=title]").fill("月报支持导出 PDF")
    form.locator("textarea[name=description]").fill("财务每月需要 PDF 版报表归档")
    form.locator("select[name=kind]").select_option("new_feature")
    form.locator("input[name=tickets]").fill("TS-19990101-001")
    form.get_by_role("button", name="提交").click()
    expect(form.locator(".invalid-feedback")).to_contain_text("TS-19990101-001")
    assert not Requirement.objects.exists()
    assert page_problems == [f"HTTP 400: {page.url}"]
    page_problems.clear()
    form.locator("input[name=tickets]").fill("")
    form.get_by_role("button", name="提交").click()
    requirement = Requirement.objects.get()
    expect(page.locator(".ticket-number")).to_have_text(requirement.number)
    expect(page.locator(".requirement-outcome")).to_contain_text("产品经理")
    shoot(page, screenshots, "requirement-portal-zh.png")
    assert requirement.source_ticket_id == resolved.pk and requirement.contact == customer
    assert product_manager_user.notifications.filter(kind="requirement_created").exists()
    assert not page_problems, page_problems
