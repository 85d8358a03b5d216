"""A customer reviews and signs a change approval in the portal (PROCESS §9), in headless
Chromium; the engineer's execution is refused until the supervisor signs too."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.test_smoke import log_in, shoot
from tests.sla.conftest import MEDIUM, register_assigned
from tickets.errors import DomainError
from tickets.models import ChangeSignature
from tickets.services import change as chg
from tickets.services import resolution as res

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def approval(agent, customer, engineer, supervisor, org):
    team = engineer.teams.get()
    team.lead = supervisor
    team.save()
    ticket = register_assigned(agent, org, team, engineer, level=MEDIUM, contact=customer)
    plan = res.plan_create(
        ticket_id=ticket.pk,
        actor=engineer,
        root_cause="磁盘写满",
        steps=[{"action": "扩容"}],
        verification="服务恢复",
        rollback="恢复快照",
    )
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    now = timezone.now()
    return chg.change_create(
        plan_id=plan.pk,
        actor=engineer,
        environment="production",
        window_start=now - dt.timedelta(hours=1),
        window_end=now + dt.timedelta(hours=2),
        backup_what="数据库全量备份",
        backup_where="nas01:/backup/db",
        backup_by="张工",
        backup_at=now - dt.timedelta(hours=2),
        test_verification="测试环境扩容演练通过",
        risk="扩容期间只读 5 分钟",
        rollback="恢复快照",
    )


def test_customer_signs_the_change_in_the_portal(
    open_page, page_problems, screenshots, customer, engineer, approval
):
    page = open_page()
    log_in(page, customer)
    page.goto(f"/portal/{approval.plan.ticket.number}/")
    page.locator(".portal-change a").click()
    expect(page.locator(".change-summary")).to_contain_text("nas01:/backup/db")
    shoot(page, screenshots, "change-portal-sign.png")
    page.get_by_role("button", name="Sign the change approval").click()
    expect(page.locator(".change-signed")).to_be_visible()
    assert not page_problems, page_problems

    signature = ChangeSignature.objects.get()
    assert (signature.signer, signature.role, signature.via, signature.version) == (
        customer,
        "customer",
        "portal",
        1,
    )
    with pytest.raises(DomainError, match="both"):
        chg.change_execute_step(approval_id=approval.pk, actor=engineer, step="扩容")


def test_customer_rejects_and_the_engineer_sees_why(
    open_page, page_problems, screenshots, settings, customer, engineer, supervisor, approval
):
    """In Chinese: a rejection needs its reason (form error, nothing saved), is recorded, and
    the engineer's page shows who rejected which version and why."""
    settings.LANGUAGE_CODE = "zh-hans"
    page = open_page(locale="zh-CN")
    log_in(page, customer)
    page.goto(f"/portal/changes/{approval.pk}/")
    page.locator(".change-reject-form summary").click()
    page.get_by_role("button", name="驳回第 1 版").click()
    expect(page.locator(".change-reject-form .invalid-feedback")).to_be_visible()
    assert not ChangeSignature.objects.exists()
    assert page_problems == [f"HTTP 400: {page.url}"]  # the refused form, shown again
    page_problems.clear()
    page.locator(".change-reject-form textarea[name=reason]").fill("窗口与月结冲突，请改到周末")
    page.get_by_role("button", name="驳回第 1 版").click()
    expect(page.locator(".change-rejected")).to_contain_text("贵单位已驳回第 1 版")
    shoot(page, screenshots, "change-portal-rejected-zh.png")
    rejection = ChangeSignature.objects.get()
    assert (rejection.decision, rejection.reason) == ("rejected", "窗口与月结冲突，请改到周末")

    page.context.clear_cookies()
    log_in(page, engineer)
    page.goto(f"/tickets/{approval.plan.ticket.number}/changes/{approval.pk}/")
    expect(page.locator(".change-rejected")).to_contain_text("窗口与月结冲突，请改到周末")
    expect(page.locator(".change-signatures")).to_contain_text("驳回")
    # no step can be logged on a rejected version: the form is replaced by what must happen first
    expect(page.locator(".change-awaiting")).to_be_visible()
    expect(page.get_by_role("button", name="记录步骤")).to_have_count(0)
    shoot(page, screenshots, "change-engineer-rejected-zh.png")
    assert not page_problems, page_problems
