"""Change approvals (PROCESS §9): the double signature bound to the version signed (an edit
voids it), execution refused before both signatures or outside the window, who may sign, the
signed email link and its abuse, and the audit rows that nobody edits (admin, API)."""

import datetime as dt

import pytest
from django.core import signing
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import CustomerFactory
from tests.sla.conftest import nov
from tickets.errors import Conflict, DomainError, NotAllowed
from tickets.mail.outbound import build_message
from tickets.models import (
    ChangeApproval,
    ChangeExecutionStep,
    ChangeSignature,
    OutboundEmail,
)
from tickets.services import change as chg
from tickets.services import resolution as res

from .test_services import draft

pytestmark = pytest.mark.django_db


def form(**overrides):
    return {
        "environment": "production",
        "window_start": nov(23, 22, 0),
        "window_end": nov(24, 2, 0),
        "backup_what": "数据库全量备份、/etc/app.conf",
        "backup_where": "nas01:/backup/2026-11-23",
        "backup_by": "张工",
        "backup_at": nov(23, 9, 0),
        "test_verification": "测试环境升级后回归通过",
        "risk": "升级中断 10 分钟",
        "rollback": "恢复备份并回退版本",
        **overrides,
    }


@pytest.fixture
def plan(urgent, engineer, supervisor, supervisor2):
    plan = draft(urgent, engineer)
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    res.plan_review(plan_id=plan.pk, actor=supervisor, approve=True)
    res.plan_review(plan_id=plan.pk, actor=supervisor2, approve=True)
    plan.refresh_from_db()
    assert plan.state == "approved"
    return plan


@pytest.fixture
def change(plan, engineer):
    return chg.change_create(plan_id=plan.pk, actor=engineer, **form())


def sign_both(change, customer, supervisor):
    chg.change_sign(approval_id=change.pk, actor=customer, version=change.version, via="portal")
    chg.change_sign(approval_id=change.pk, actor=supervisor, version=change.version)


def test_needs_an_approved_plan_and_the_worker(urgent, engineer, colleague, plan):
    with pytest.raises(NotAllowed):
        chg.change_create(plan_id=plan.pk, actor=colleague, **form())
    other = draft(urgent, engineer)
    with pytest.raises(Conflict):
        chg.change_create(plan_id=other.pk, actor=engineer, **form())


def test_form_rules(plan, engineer):
    cases = {
        "test_verification": form(test_verification=""),
        "window_end": form(window_end=nov(23, 21, 0)),
        "backup_at": form(backup_at=nov(25, 9, 0)),
        "risk": form(risk=" "),
        "environment": form(environment="staging"),
    }
    for field, data in cases.items():
        with pytest.raises(DomainError) as refused:
            chg.change_create(plan_id=plan.pk, actor=engineer, **data)
        assert refused.value.field == field
    # A test-environment change is not a major change: no prior verification needed.
    approval = chg.change_create(
        plan_id=plan.pk, actor=engineer, **form(environment="test", test_verification="")
    )
    assert approval.version == 1


def test_signature_is_bound_to_the_version_and_an_edit_voids_it(
    travel, change, engineer, customer, supervisor
):
    sign_both(change, customer, supervisor)
    chg.change_update(approval_id=change.pk, actor=engineer, **form(risk="中断 20 分钟"))
    change.refresh_from_db()
    assert change.version == 2
    assert change.signatures.count() == 2  # kept in the audit trail
    assert change.current_signatures() == []
    travel.move_to(nov(23, 23, 0))
    with pytest.raises(DomainError, match="both"):
        chg.change_execute_step(approval_id=change.pk, actor=engineer, step="停止服务")
    # A signature on the version read before the edit is refused.
    with pytest.raises(Conflict):
        chg.change_sign(approval_id=change.pk, actor=customer, version=1)
    # Saving identical content is no edit.
    chg.change_update(approval_id=change.pk, actor=engineer, **form(risk="中断 20 分钟"))
    change.refresh_from_db()
    assert change.version == 2
    assert change.history.count() == 2


def test_execution_refused_before_both_signatures(travel, change, engineer, customer, supervisor):
    travel.move_to(nov(23, 23, 0))
    with pytest.raises(DomainError, match="both"):
        chg.change_execute_step(approval_id=change.pk, actor=engineer, step="停止服务")
    chg.change_sign(approval_id=change.pk, actor=customer, version=1)
    with pytest.raises(DomainError, match="both"):
        chg.change_execute_step(approval_id=change.pk, actor=engineer, step="停止服务")
    chg.change_sign(approval_id=change.pk, actor=supervisor, version=1)
    step = chg.change_execute_step(
        approval_id=change.pk, actor=engineer, step="升级", before="v1.2", after="v1.3"
    )
    assert (step.before, step.after, step.actor, step.at) == ("v1.2", "v1.3", engineer, nov(23, 23))
    with pytest.raises(Conflict):  # no edit once execution has started
        chg.change_update(approval_id=change.pk, actor=engineer, **form(risk="x"))
    finished = chg.change_finish(approval_id=change.pk, actor=engineer, outcome="success")
    assert finished.outcome == "success"
    with pytest.raises(Conflict):
        chg.change_execute_step(approval_id=change.pk, actor=engineer, step="再来一步")


def test_execution_refused_outside_the_window(travel, change, engineer, customer, supervisor):
    sign_both(change, customer, supervisor)
    for instant in (nov(23, 21, 59), nov(24, 2, 1)):
        travel.move_to(instant)
        with pytest.raises(DomainError, match="window"):
            chg.change_execute_step(approval_id=change.pk, actor=engineer, step="升级")
    assert not ChangeExecutionStep.objects.exists()


def test_finish_needs_steps_and_an_outcome(change, engineer):
    with pytest.raises(DomainError):
        chg.change_finish(approval_id=change.pk, actor=engineer, outcome="success")


def test_who_may_sign(
    change, engineer, colleague, customer, other_customer, supervisor, agent, org
):
    with pytest.raises(NotAllowed):
        chg.change_sign(approval_id=change.pk, actor=other_customer, version=1)
    with pytest.raises(NotAllowed):
        chg.change_sign(approval_id=change.pk, actor=colleague, version=1)
    with pytest.raises(NotAllowed):
        chg.change_sign(approval_id=change.pk, actor=engineer, version=1)
    chg.change_sign(approval_id=change.pk, actor=customer, version=1)
    with pytest.raises(Conflict):  # one customer signature per version
        chg.change_sign(approval_id=change.pk, actor=CustomerFactory(organization=org), version=1)
    assert ChangeSignature.objects.get().role == "customer"


def test_a_supervisor_does_not_sign_a_form_they_wrote(plan, supervisor, customer, travel):
    """A supervisor working the ticket writes the form; another supervisor must sign it."""
    plan.ticket.assignee = supervisor
    plan.ticket.save()
    approval = chg.change_create(plan_id=plan.pk, actor=supervisor, **form())
    with pytest.raises(DomainError, match="author"):
        chg.change_sign(approval_id=approval.pk, actor=supervisor, version=1)
    assert not ChangeSignature.objects.exists()


# --- the signed email link ----------------------------------------------------------------------


def test_signature_request_emails_a_working_link(change, engineer, customer, other_customer):
    with pytest.raises(DomainError):
        chg.change_request_signature(
            approval_id=change.pk, actor=engineer, contact_id=other_customer.pk
        )
    chg.change_request_signature(approval_id=change.pk, actor=engineer, contact_id=customer.pk)
    mail = OutboundEmail.objects.get()
    assert mail.address == customer.email.lower()
    assert mail.template == "change_signature"
    url = mail.context["sign_url"]
    message = build_message(mail)
    assert url in message.body
    assert "Please sign the change approval" in message.subject
    assert url in message.alternatives[0][0]
    path = url.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    page = client.get("/" + path)
    assert page.status_code == 200
    assert "nas01:/backup/2026-11-23" in page.content.decode()
    done = client.post("/" + path, {"version": 1})
    assert done.status_code == 302
    signature = ChangeSignature.objects.get()
    assert (signature.signer, signature.via, signature.version) == (customer, "email_link", 1)


def test_link_abuse(travel, change, customer, other_customer):
    client = Client()
    token = chg.change_sign_token(change, customer)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/portal/changes/sign/{tampered}/")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    # A validly signed token naming a contact of another organization.
    foreign = chg.change_sign_token(change, other_customer)
    assert client.post(f"/portal/changes/sign/{foreign}/", {"version": 1}).status_code == 400
    # Another salt (a survey link) is not a signature link.
    other_salt = signing.dumps(
        {"a": change.pk, "u": customer.pk, "v": 1}, salt="quality.survey.answer"
    )
    assert client.get(f"/portal/changes/sign/{other_salt}/").status_code == 400
    travel.shift(dt.timedelta(days=8))
    expired = client.post(f"/portal/changes/sign/{token}/", {"version": 1})
    assert expired.status_code == 410
    assert "expired" in expired.content.decode()
    assert not ChangeSignature.objects.exists()


# --- portal, engineer pages, API, admin -------------------------------------------------------


def test_portal_sign_and_other_organization_404(change, customer, other_customer):
    client = Client()
    client.force_login(other_customer)
    assert client.get(f"/portal/changes/{change.pk}/").status_code == 404
    assert client.post(f"/portal/changes/{change.pk}/", {"version": 1}).status_code == 404
    client.force_login(customer)
    assert client.get(f"/portal/changes/{change.pk}/").status_code == 200
    assert client.post(f"/portal/changes/{change.pk}/", {"version": 1}).status_code == 302
    assert ChangeSignature.objects.get().via == "portal"


def test_engineer_pages(travel, plan, engineer, supervisor, customer):
    client = Client()
    client.force_login(engineer)
    number = plan.ticket.number
    data = form()
    for key in ("window_start", "window_end", "backup_at"):
        data[key] = (
            data[key].astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M")
        )
    bad = client.post(
        f"/tickets/{number}/plans/{plan.pk}/changes/new/", {**data, "test_verification": ""}
    )
    assert bad.status_code == 200
    assert not ChangeApproval.objects.exists()
    created = client.post(f"/tickets/{number}/plans/{plan.pk}/changes/new/", data)
    assert created.status_code == 302
    approval = ChangeApproval.objects.get()
    assert client.get(f"/tickets/{number}/changes/{approval.pk}/").status_code == 200
    assert client.get(f"/tickets/{number}/plans/{plan.pk}/").status_code == 200
    client.force_login(supervisor)
    client.post(f"/tickets/{number}/changes/{approval.pk}/sign/", {"version": 1})
    assert ChangeSignature.objects.get().role == "supervisor"
    client.force_login(engineer)
    client.post(f"/tickets/{number}/changes/{approval.pk}/execute/", {"step": "升级"})
    assert not ChangeExecutionStep.objects.exists()  # refused: no customer signature


def test_api(travel, plan, engineer, supervisor, customer, other_customer):
    api = APIClient()
    api.force_authenticate(engineer)
    body = {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in form().items()}
    assert (
        api.post(
            "/api/v1/changes/", {**body, "plan": plan.pk, "test_verification": ""}, format="json"
        ).status_code
        == 400
    )
    created = api.post("/api/v1/changes/", {**body, "plan": plan.pk}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    api.force_authenticate(other_customer)
    assert api.get(f"/api/v1/changes/{pk}/").status_code == 404
    assert api.post(f"/api/v1/changes/{pk}/sign/", {"version": 1}, format="json").status_code == 404
    assert api.get("/api/v1/changes/").json()["results"] == []
    api.force_authenticate(customer)
    assert api.post(f"/api/v1/changes/{pk}/sign/", {"version": 1}, format="json").status_code == 200
    api.force_authenticate(engineer)
    travel.move_to(nov(23, 23, 0))
    refused = api.post(f"/api/v1/changes/{pk}/execute/", {"step": "升级"}, format="json")
    assert refused.status_code == 400
    assert "signature" in refused.json()["detail"]
    api.force_authenticate(supervisor)
    assert api.post(f"/api/v1/changes/{pk}/sign/", {"version": 1}, format="json").status_code == 200
    api.force_authenticate(engineer)
    assert (
        api.post(f"/api/v1/changes/{pk}/execute/", {"step": "升级"}, format="json").status_code
        == 200
    )
    done = api.post(f"/api/v1/changes/{pk}/finish/", {"outcome": "rolled_back"}, format="json")
    assert done.json()["outcome"] == "rolled_back"
    # The audit rows cannot be changed or removed through the API.
    assert api.delete(f"/api/v1/changes/{pk}/").status_code == 405
    assert api.patch(f"/api/v1/changes/{pk}/", {"risk": "x"}, format="json").status_code == 405
    data = api.get(f"/api/v1/changes/{pk}/").json()
    assert [s["role"] for s in data["signatures"]] == ["customer", "supervisor"]


def test_audit_rows_are_read_only_in_the_admin(change, customer, admin_client):
    signature = chg.change_sign(approval_id=change.pk, actor=customer, version=1)
    url = f"/admin/tickets/changesignature/{signature.pk}/change/"
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"version": 5, "role": "supervisor"})
    admin_client.post(f"/admin/tickets/changesignature/{signature.pk}/delete/", {"post": "yes"})
    signature.refresh_from_db()
    assert (signature.version, signature.role) == (1, "customer")
    assert admin_client.get("/admin/tickets/changesignature/add/").status_code == 403
    assert (
        admin_client.get(f"/admin/tickets/changeapproval/{change.pk}/history/").status_code == 200
    )


def test_a_link_sent_before_an_edit_no_longer_signs(change, customer, engineer):
    client = Client()
    token = chg.change_sign_token(change, customer)
    chg.change_update(approval_id=change.pk, actor=engineer, **form(risk="数据库锁表约 2 分钟"))
    change.refresh_from_db()
    assert change.version == 2
    response = client.post(f"/portal/changes/sign/{token}/", {"version": 2})
    assert response.status_code == 410
    assert "edited after this link was sent" in response.content.decode()
    assert not ChangeSignature.objects.exists()


# --- rejection, timeline, notifications ---------------------------------------------------------


def test_a_rejection_blocks_execution_until_a_revised_version_is_signed(
    travel, change, engineer, customer, supervisor
):
    with pytest.raises(DomainError) as no_reason:
        chg.change_reject(approval_id=change.pk, actor=customer, version=1, reason="  ")
    assert no_reason.value.field == "reason"
    chg.change_sign(approval_id=change.pk, actor=supervisor, version=1)
    rejection = chg.change_reject(
        approval_id=change.pk, actor=customer, version=1, reason="窗口与月结冲突", via="portal"
    )
    assert (rejection.decision, rejection.role, rejection.reason) == (
        "rejected",
        "customer",
        "窗口与月结冲突",
    )
    change.refresh_from_db()
    assert change.current_rejections() == [rejection]
    assert not change.signed_by_role("customer")
    # The same side cannot sign the rejected version; execution is refused with the reason.
    with pytest.raises(Conflict, match="rejected"):
        chg.change_sign(approval_id=change.pk, actor=customer, version=1)
    travel.move_to(nov(23, 23, 0))
    with pytest.raises(DomainError, match="rejected"):
        chg.change_execute_step(approval_id=change.pk, actor=engineer, step="升级")
    # The engineer revises: version 2 needs both signatures again, then executes.
    travel.move_to(nov(23, 10, 0))
    chg.change_update(
        approval_id=change.pk,
        actor=engineer,
        **form(window_start=nov(24, 22, 0), window_end=nov(25, 2, 0)),
    )
    change.refresh_from_db()
    assert change.version == 2 and change.current_rejections() == []
    sign_both(change, customer, supervisor)
    travel.move_to(nov(24, 23, 0))
    chg.change_execute_step(approval_id=change.pk, actor=engineer, step="升级")
    # All three decisions stay in the audit trail.
    assert list(change.signatures.order_by("id").values_list("version", "role", "decision")) == [
        (1, "supervisor", "approved"),
        (1, "customer", "rejected"),
        (2, "customer", "approved"),
        (2, "supervisor", "approved"),
    ]


def test_who_may_reject(change, engineer, colleague, other_customer, supervisor):
    for actor in (other_customer, colleague, engineer):
        with pytest.raises(NotAllowed):
            chg.change_reject(approval_id=change.pk, actor=actor, version=1, reason="不行")
    with pytest.raises(Conflict):  # only the version the signer saw
        chg.change_reject(approval_id=change.pk, actor=supervisor, version=2, reason="不行")
    chg.change_reject(approval_id=change.pk, actor=supervisor, version=1, reason="回退方案不完整")
    with pytest.raises(Conflict):  # one decision per side and version
        chg.change_sign(approval_id=change.pk, actor=supervisor, version=1)
    assert ChangeSignature.objects.get().decision == "rejected"


def test_every_step_is_on_the_ticket_timeline(travel, change, engineer, customer, supervisor):
    ticket = change.plan.ticket
    chg.change_reject(approval_id=change.pk, actor=customer, version=1, reason="窗口冲突")
    chg.change_update(approval_id=change.pk, actor=engineer, **form(risk="中断 5 分钟"))
    sign_both(ChangeApproval.objects.get(), customer, supervisor)
    travel.move_to(nov(23, 23, 0))
    chg.change_execute_step(approval_id=change.pk, actor=engineer, step="升级到 v1.3")
    chg.change_finish(approval_id=change.pk, actor=engineer, outcome="success", note="顺利")
    rows = list(
        ticket.events.filter(kind__startswith="change_").values_list(
            "kind", "actor", "old", "new", "reason"
        )
    )
    assert rows == [
        ("change_created", engineer.pk, "", "v1", ""),
        ("change_rejected", customer.pk, "customer", "v1", "窗口冲突"),
        ("change_edited", engineer.pk, "v1", "v2", ""),
        ("change_signed", customer.pk, "customer", "v2", ""),
        ("change_signed", supervisor.pk, "supervisor", "v2", ""),
        ("change_step", engineer.pk, "", "升级到 v1.3", ""),
        ("change_finished", engineer.pk, "", "success", "顺利"),
    ]
    from tickets.templatetags.helpdesk_ui import event_summary

    events = {e.kind: e for e in ticket.events.filter(kind__startswith="change_")}
    assert event_summary(events["change_rejected"]) == "v1, as customer's responsible person"
    assert event_summary(events["change_finished"]) == "succeeded"
    # The timeline is internal: the customer's view of the ticket does not list these.
    from tickets.selectors import event_list

    assert not event_list(ticket=ticket, user=customer).filter(kind__startswith="change_")


def test_signers_and_the_engineer_are_notified(change, engineer, customer, supervisor):
    from tickets.models import Notification
    from tickets.services.common import supervisors_of

    ticket = change.plan.ticket
    asked = set(Notification.objects.filter(kind="change_sign").values_list("recipient", flat=True))
    assert asked and asked == set(supervisors_of(ticket)) - {engineer.pk}
    chg.change_reject(approval_id=change.pk, actor=customer, version=1, reason="窗口冲突")
    note = Notification.objects.get(kind="change_decision")
    assert note.recipient == engineer
    assert "rejected" in note.title and note.body == "窗口冲突"


def test_reject_in_the_portal_the_link_and_the_api(change, customer, supervisor, engineer):
    client = Client()
    client.force_login(customer)
    page = client.get(f"/portal/changes/{change.pk}/").content.decode()
    assert "Reject this change" in page
    missing = client.post(f"/portal/changes/{change.pk}/", {"version": 1, "decision": "reject"})
    assert missing.status_code == 400
    assert "This field is required" in missing.content.decode()
    assert not ChangeSignature.objects.exists()
    done = client.post(
        f"/portal/changes/{change.pk}/", {"version": 1, "decision": "reject", "reason": "先停机"}
    )
    assert done.status_code == 302
    page = client.get(f"/portal/changes/{change.pk}/").content.decode()
    assert "rejected version 1" in page and "Sign the change approval" not in page
    # By the email link, after a revision.
    chg.change_update(approval_id=change.pk, actor=engineer, **form(risk="停机 10 分钟"))
    token = chg.change_sign_token(ChangeApproval.objects.get(), customer)
    anon = Client()
    again = anon.post(
        f"/portal/changes/sign/{token}/", {"version": 2, "decision": "reject", "reason": "还不行"}
    )
    assert again.status_code == 302
    assert ChangeSignature.objects.filter(via="email_link", decision="rejected").count() == 1
    # The supervisor, through the API; the reason is required (400 with the field).
    api = APIClient()
    api.force_authenticate(supervisor)
    bad = api.post(f"/api/v1/changes/{change.pk}/reject/", {"version": 2}, format="json")
    assert bad.status_code == 400 and "reason" in bad.json()
    ok = api.post(
        f"/api/v1/changes/{change.pk}/reject/", {"version": 2, "reason": "缺回退"}, format="json"
    )
    assert ok.status_code == 200
    sigs = ok.json()["signatures"]
    assert [(s["role"], s["decision"], s["reason"]) for s in sigs if not s["voided"]] == [
        ("customer", "rejected", "还不行"),
        ("supervisor", "rejected", "缺回退"),
    ]


def test_supervisor_rejects_on_the_engineer_page(change, supervisor):
    client = Client()
    client.force_login(supervisor)
    number = change.plan.ticket.number
    page = client.get(f"/tickets/{number}/changes/{change.pk}/").content.decode()
    assert "Reject version 1" in page
    client.post(
        f"/tickets/{number}/changes/{change.pk}/reject/", {"version": 1, "reason": "缺测试"}
    )
    assert ChangeSignature.objects.get().decision == "rejected"
    page = client.get(f"/tickets/{number}/changes/{change.pk}/").content.decode()
    assert "was rejected by" in page and "Reject version 1" not in page
