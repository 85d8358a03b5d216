import datetime as dt
import re
from html import unescape

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.factories import (
    ProductLineFactory,
    RoutingRuleFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    category,
    level,
)
from tickets import services
from tickets.alerts import alert_raise
from tickets.mail.inbound import email_ingest
from tickets.models import (
    Assignment,
    Category,
    Channel,
    ChatRobot,
    ClassificationCorrection,
    Keyword,
    Mailbox,
    MessageKind,
    Organization,
    PriorityMatrixCell,
    PriorityScheme,
    RoutingRule,
    Seniority,
    Status,
    Tag,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
    User,
    WebhookEndpoint,
    WorkLogKind,
)
from tickets.roles import Role

pytestmark = pytest.mark.django_db

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def _url(model: type, view: str, *args: object) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def trail(customer, agent, engineer):
    """A ticket with a full trail, written by the services: a routed registration with an
    attachment, a reply, a work-log entry, a corrected classification and a hand-back."""
    RoutingRuleFactory(category=category("software"), team=engineer.teams.get())
    ProductLineFactory()
    ticket = services.ticket_create(
        actor=customer,
        data=services.TicketData(
            title="ERP 导出报表时程序崩溃",
            description="导出 Excel 时客户端闪退。",
            channel=Channel.PORTAL,
        ),
        files=[SimpleUploadedFile("client.log", b"ERROR ExcelExport.dll\n", "text/plain")],
    )
    assert ticket.assignee == engineer
    services.message_add(
        ticket_id=ticket.pk, actor=engineer, kind=MessageKind.REPLY, body="正在排查，请稍候。"
    )
    services.message_add(
        ticket_id=ticket.pk,
        actor=engineer,
        kind=MessageKind.WORKLOG,
        worklog_kind=WorkLogKind.LOOK,
        body="crash dump 指向 ExcelExport.dll",
    )
    services.ticket_classify(
        ticket_id=ticket.pk, actor=agent, category=category("software-function"), reason="更正"
    )
    services.ticket_hand_back(ticket_id=ticket.pk, actor=engineer, reason="需要研发组处理")
    services.ticket_assign(ticket_id=ticket.pk, actor=agent, assignee=engineer, reason="再派")
    # email in, a chat robot and a webhook endpoint with their (unsent) deliveries
    ChatRobot.objects.create(
        team=engineer.teams.get(),
        name="ops",
        platform="wecom",
        webhook_url="http://127.0.0.1:9/send?key=k",
    )
    WebhookEndpoint.objects.create(name="crm", url="http://127.0.0.1:9/hook", secret="s")
    email_ingest(
        raw=f"From: {customer.email}\r\nSubject: Re: [{ticket.number}]\r\n"
        "Message-ID: <trail@acme.example>\r\n\r\nthanks\r\n".encode(),
        mailbox=Mailbox.objects.create(name="support", host="127.0.0.1", username="s@example"),
    )
    alert_raise(kind="breach", ticket=ticket, title="breach")
    _resolution_trail(ticket, engineer, customer)
    _closure_trail(ticket, customer, engineer)
    call_command("setup_schedules", verbosity=0)
    Token.objects.create(user=agent)
    return Ticket.objects.get(pk=ticket.pk)


def _closure_trail(ticket, customer, engineer):
    """Self-test, verification and closure rows (PROCESS §12) for the admin pages; written
    directly, as the services would need the ticket resolved and this trail keeps it assigned."""
    from tickets.models import ClosureRecord, SelfTest, Verification

    SelfTest.objects.create(ticket=ticket, passed=True, notes="导出正常", author=engineer)
    Verification.objects.create(ticket=ticket, outcome="solved", via="portal", user=customer)
    record = ClosureRecord.objects.create(
        ticket=ticket, summary="受理、排查", solution="升级 DLL", author=engineer
    )
    record.people.set([engineer])


def _resolution_trail(ticket, engineer, customer):
    """Escalation, workaround, a stall proposal convened, a reviewed plan (PROCESS §7, §8)."""
    from tickets.services import resolution as res
    from tickets.services.requirements import requirement_create

    lead = UserFactory(username="lead", role=Role.SUPERVISOR)
    request = res.escalation_request(
        ticket_id=ticket.pk, actor=engineer, problem="崩溃", tried="重装", resources="研发"
    )
    res.escalation_answer(escalation_id=request.pk, actor=lead, accept=True)
    res.workaround_add(ticket_id=ticket.pk, actor=engineer, text="改用 CSV 导出")
    res.consultation_propose_stalled(now=timezone.now() + dt.timedelta(days=10))
    res.consultation_convene(
        ticket_id=ticket.pk,
        actor=lead,
        kind="expert",
        topic="崩溃原因",
        participants=[(engineer, "support"), (lead, "software")],
        proposal_id=ticket.consultation_proposals.get().pk,
    )
    plan = res.plan_create(
        ticket_id=ticket.pk,
        actor=engineer,
        root_cause="DLL 版本不兼容",
        steps=[{"action": "升级 DLL"}],
        verification="导出成功",
        rollback="恢复旧 DLL",
    )
    res.plan_submit(plan_id=plan.pk, actor=engineer)
    res.plan_review(plan_id=plan.pk, actor=lead, approve=True)
    _change_trail(plan, engineer, customer, lead)
    requirement_create(
        actor=engineer,
        source_ticket_id=ticket.pk,
        title="导出 PDF",
        description="希望支持 PDF",
        kind="new_feature",
        priority="P2",
    )


def _change_trail(plan, engineer, customer, lead):
    """A change approval signed by both sides with one executed step (PROCESS §9)."""
    from tickets.services import change as chg

    now = timezone.now()
    approval = chg.change_create(
        plan_id=plan.pk,
        actor=engineer,
        environment="test",
        window_start=now - dt.timedelta(hours=1),
        window_end=now + dt.timedelta(hours=1),
        backup_what="配置",
        backup_where="nas",
        backup_by="eng",
        backup_at=now - dt.timedelta(hours=2),
        test_verification="",
        risk="低",
        rollback="恢复",
    )
    chg.change_sign(approval_id=approval.pk, actor=customer, version=1, via="portal")
    chg.change_sign(approval_id=approval.pk, actor=lead, version=1)
    chg.change_execute_step(approval_id=approval.pk, actor=engineer, step="升级 DLL")


def _form_data(response) -> dict[str, object]:
    """What the browser would post back: the form's current values and the inline formsets'
    management forms (read-only inlines post no rows)."""
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[f"{inline.formset.prefix}-{name}"] = management[name].value()
    return data


@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTRY, ids=[m._meta.label for m, _a in REGISTRY]
)
def test_every_registered_model_has_working_admin_pages(admin_client, trail, model, model_admin):
    assert admin_client.get(_url(model, "changelist")).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    if model._meta.app_label == "tickets":
        assert obj is not None, "the fixture should give every ticket-core model a row"
    if obj is not None:
        assert admin_client.get(_url(model, "change", quote(obj.pk))).status_code == 200
        if hasattr(model_admin, "history_view"):
            assert admin_client.get(_url(model, "history", quote(obj.pk))).status_code == 200
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="admin")
    if model_admin.has_add_permission(request):
        assert admin_client.get(_url(model, "add")).status_code == 200


def test_ticket_status_is_read_only_and_edits_go_through_the_service(admin_client, trail):
    url = _url(Ticket, "change", trail.pk)
    response = admin_client.get(url)
    form = response.context["adminform"].form
    assert "status" not in form.fields
    assert {"number", "status", "created_at", "registration_lag"} <= set(
        response.context["adminform"].readonly_fields
    )
    assert "title" in form.fields

    data = _form_data(response) | {
        "status": Status.CLOSED,
        "title": "ERP 导出 Excel 时崩溃",
        "urgency": "critical",
        "impact": "core",
    }
    response = admin_client.post(url, data)

    assert response.status_code == 302
    trail.refresh_from_db()
    assert trail.status == Status.ASSIGNED
    assert trail.title == "ERP 导出 Excel 时崩溃"
    assert trail.priority == level("urgent")  # recomputed from the matrix by ticket_update
    assert trail.events.filter(kind=TicketEvent.Kind.PRIORITY).exists()
    assert trail.history.first().history_change_reason == "edited in the admin"


def test_a_refused_edit_is_a_message_not_an_error_page(admin_client, trail):
    url = _url(Ticket, "change", trail.pk)
    data = _form_data(admin_client.get(url)) | {"cc_emails": "not-an-address"}

    response = admin_client.post(url, data, follow=True)

    assert response.status_code == 200
    assert "not-an-address" in " ".join(str(m) for m in response.context["messages"])
    trail.refresh_from_db()
    assert trail.cc_emails == ""


def test_archived_tickets_are_view_only(admin_client, trail):
    Ticket.objects.filter(pk=trail.pk).update(status=Status.ARCHIVED)
    url = _url(Ticket, "change", trail.pk)

    response = admin_client.get(url)
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert admin_client.post(url, {"title": "x"}).status_code == 403


def test_tickets_are_neither_added_nor_deleted_in_the_admin(admin_client, trail):
    assert admin_client.get(_url(Ticket, "add")).status_code == 403
    assert admin_client.post(_url(Ticket, "delete", trail.pk), {"post": "yes"}).status_code == 403
    assert Ticket.objects.filter(pk=trail.pk).exists()


def test_the_ticket_page_shows_its_trail_read_only(admin_client, trail):
    response = admin_client.get(_url(Ticket, "change", trail.pk))
    page = response.content.decode()
    for text in (
        "正在排查，请稍候。",
        "crash dump 指向 ExcelExport.dll",
        "client.log",
        "需要研发组处理",
    ):
        assert text in page
    attachment = trail.attachments.get()
    assert attachment.file.name not in page  # private files are served by the checked view only
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission


@pytest.mark.parametrize("model", [TicketEvent, Assignment, ClassificationCorrection])
def test_audit_rows_cannot_be_added_changed_or_deleted(admin_client, trail, model):
    obj = model.objects.filter(ticket=trail).first()
    before = model.objects.filter(pk=obj.pk).values().get()
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = User.objects.get(username="admin")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)

    assert admin_client.get(_url(model, "add")).status_code == 403
    assert admin_client.post(_url(model, "add"), {"ticket": trail.pk}).status_code == 403
    change = _url(model, "change", obj.pk)
    assert admin_client.get(change).status_code == 200  # can be looked at
    assert admin_client.post(change, {"reason": "rewritten"}).status_code == 403
    assert admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403

    assert model.objects.filter(pk=obj.pk).values().get() == before


def test_ticket_list_filters_by_status_rank_and_category_tree(admin_client, org):
    crash = TicketFactory(organization=org, category=category("software-crash"))
    network = TicketFactory(
        organization=org, category=category("network-down"), priority=level("urgent")
    )
    url = _url(Ticket, "changelist")

    def listed(query: str) -> set[int]:
        return {t.pk for t in admin_client.get(f"{url}?{query}").context["cl"].result_list}

    assert listed(f"category={category('software').pk}") == {crash.pk}
    assert listed("rank=1") == {network.pk}
    assert listed("status=new") == {crash.pk, network.pk}
    assert listed(f"q={network.number}") == {network.pk}


def test_ticket_list_query_count_does_not_grow_with_rows(admin_client, org, engineer):
    def make(n: int) -> None:
        for _ in range(n):
            TicketFactory(organization=org, category=category("software-crash"), assignee=engineer)

    url = _url(Ticket, "changelist")
    make(3)
    admin_client.get(url)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    make(15)
    with CaptureQueriesContext(connection) as many:
        assert len(admin_client.get(url).context["cl"].result_list) == 18
    assert len(many) <= len(few)


def test_user_admin_edits_the_helpdesk_profile_and_teams(admin_client, org):
    team = TeamFactory()
    response = admin_client.post(
        _url(User, "add"),
        {
            "username": "wang.li",
            "usable_password": "true",
            "password1": "a-long-Passw0rd",
            "password2": "a-long-Passw0rd",
            "display_name": "王丽",
            "email": "wang.li@example.com",
            "phone": "138 0000 0000",
            "organization": org.pk,
            "language": "en",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-team": team.pk,
            "memberships-0-seniority": Seniority.SENIOR,
            "memberships-0-active": "on",
            "_save": "Save",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="wang.li")
    assert (user.display_name, user.organization, user.language) == ("王丽", org, "en")
    assert user.memberships.get().seniority == Seniority.SENIOR
    fields = admin_client.get(_url(User, "change", user.pk)).context["adminform"].form.fields
    assert {"display_name", "phone", "organization", "language"} <= set(fields)


def test_user_list_shows_roles_and_filters_customers(admin_client, customer, agent):
    response = admin_client.get(f"{_url(User, 'changelist')}?kind=customer")
    assert [u.username for u in response.context["cl"].result_list] == ["alice"]
    response = admin_client.get(f"{_url(User, 'changelist')}?kind=staff")
    assert "service desk agent (L1)" in response.content.decode()


def test_team_page_edits_members_with_their_seniority(admin_client, engineer):
    team = engineer.teams.get()
    response = admin_client.get(_url(Team, "change", team.pk))
    (members,) = [
        f for f in response.context["inline_admin_formsets"] if f.formset.model is TeamMembership
    ]
    form = members.formset.forms[0]
    assert form.instance.user == engineer
    assert "seniority" in form.fields


def test_categories_are_listed_as_a_tree(admin_client):
    rows = list(admin_client.get(_url(Category, "changelist")).context["cl"].result_list)
    assert len(rows) == Category.objects.count()
    seen_roots: list[int] = []
    for row in rows:
        if row.parent_id is None:
            seen_roots.append(row.pk)
        else:
            assert seen_roots[-1] == row.parent_id, f"{row.code} is not under its parent"
    assert (
        len(seen_roots)
        == len(set(seen_roots))
        == Category.objects.filter(parent__isnull=True).count()
    )


def test_a_sub_category_cannot_get_sub_categories(admin_client):
    child = category("software-crash")
    response = admin_client.get(_url(Category, "change", child.pk))
    assert response.context["inline_admin_formsets"] == []
    parent_choices = response.context["adminform"].form.fields["parent"].queryset
    assert not parent_choices.filter(parent__isnull=False).exists()


def test_matrix_cells_offer_only_the_levels_of_their_scheme(admin_client):
    scheme = PriorityScheme.objects.get(code="four-level")
    response = admin_client.get(_url(PriorityScheme, "change", scheme.pk))
    cells = next(
        f
        for f in response.context["inline_admin_formsets"]
        if f.formset.model is PriorityMatrixCell
    )
    offered = cells.formset.forms[0].fields["level"].queryset
    assert set(offered) == set(scheme.levels.all())
    assert "紧急" in response.content.decode()  # the matrix table


def test_keyword_counters_are_read_only(admin_client):
    keyword = Keyword.objects.get(phrase="无法登录")
    Keyword.objects.filter(pk=keyword.pk).update(hit_count=7)
    url = _url(Keyword, "change", keyword.pk)
    response = admin_client.get(url)
    assert "hit_count" not in response.context["adminform"].form.fields
    assert "hit_count" in response.context["adminform"].readonly_fields

    data = _form_data(response) | {"hit_count": 999, "weight": 3}
    assert admin_client.post(url, data).status_code == 302
    keyword.refresh_from_db()
    assert (keyword.hit_count, keyword.weight) == (7, 3)


def test_routing_rules_are_reordered_in_the_list(admin_client):
    rule = RoutingRuleFactory(position=100, team=TeamFactory())
    response = admin_client.post(
        _url(RoutingRule, "changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": rule.pk,
            "form-0-position": "5",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.position, rule.active) == (5, False)
    assert rule.history.count() == 2


def test_staff_without_ticket_permissions_cannot_edit_tickets(client, trail):
    staff = UserFactory(username="clerk", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_ticket", "change_ticket"])
    )
    client.force_login(staff)
    url = _url(Ticket, "change", trail.pk)
    data = _form_data(client.get(url)) | {"title": "changed by a clerk"}

    response = client.post(url, data, follow=True)

    assert response.status_code == 200
    trail.refresh_from_db()
    assert trail.title == "ERP 导出报表时程序崩溃"  # the service refused: no work permission


def _href(html: str) -> str:
    match = re.search(r'href="([^"]+)"', html)
    assert match, html
    return unescape(match.group(1))


def test_count_links_in_the_lists_open_the_filtered_rows(admin_client, trail, customer, engineer):
    team = engineer.teams.get()
    software = category("software-crash")
    tag = Keyword.objects.get(phrase="崩溃").tags.get()
    cases = [
        (Organization, customer.organization, "contact_count", {customer.pk}, "n_contacts"),
        (Organization, customer.organization, "ticket_link", {trail.pk}, None),
        (Team, team, "member_count", {engineer.pk}, "n_members"),
        (
            Category,
            software,
            "keyword_count",
            set(software.keywords.values_list("pk", flat=True)),
            "n_keywords",
        ),
        (
            Tag,
            tag,
            "keyword_count",
            set(tag.keyword_set.values_list("pk", flat=True)),
            "n_keywords",
        ),
    ]
    for model, obj, column, expected, annotation in cases:
        model_admin = admin.site._registry[model]
        if annotation:
            setattr(obj, annotation, len(expected))
        response = admin_client.get(_href(getattr(model_admin, column)(obj)))
        assert response.status_code == 200, (model, column)
        assert {row.pk for row in response.context["cl"].result_list} == expected, (model, column)
