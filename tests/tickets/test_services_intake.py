"""Registration from every channel (PROCESS §2–§5) through `services.ticket_create`."""

import datetime as dt

import pytest
import time_machine

from tests.factories import (
    CustomerFactory,
    MembershipFactory,
    ProductLineFactory,
    RoutingRuleFactory,
    TeamFactory,
    TicketFactory,
    UserFactory,
    category,
    level,
)
from tickets import priority, services
from tickets.errors import DomainError, NotAllowed
from tickets.models import (
    Assignment,
    Channel,
    ClassificationCorrection,
    Impact,
    Keyword,
    PriorityLevel,
    RequestType,
    Seniority,
    Status,
    Ticket,
    TicketEvent,
    Urgency,
)
from tickets.roles import Role

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 21, 2, 30, tzinfo=dt.UTC)  # 10:30 in Shanghai


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def data(org, **kw) -> services.TicketData:
    fields = {
        "title": "报表导出很慢",
        "description": "月底导出报表需要十分钟",
        "channel": Channel.PORTAL,
        "organization": org,
    }
    fields.update(kw)
    return services.TicketData(**fields)


# --- what is stored --------------------------------------------------------------------------


def test_every_intake_field_is_stored(agent, org, customer):
    line = ProductLineFactory(name="ERP", code="erp")
    hardware, storage = category("hardware-server"), category("hardware-storage")
    received = NOW - dt.timedelta(minutes=12)
    occurred = NOW - dt.timedelta(hours=3)
    ticket = services.ticket_create(
        actor=agent,
        data=services.TicketData(
            title="  ERP 服务器频繁重启  ",
            description="每隔两小时自动重启",
            channel=Channel.PHONE,
            organization=org,
            contact=customer,
            contact_phone="13800000000",
            request_type=RequestType.FAULT,
            product_line=line,
            product="ERP Server",
            product_version="8.2.1",
            device_model="PowerEdge R740",
            steps_to_reproduce="1. 开机 2. 等两小时",
            error_message="kernel panic",
            impact_scope="财务部 30 人",
            impact=Impact.ONE_DEPARTMENT,
            urgency=Urgency.HIGH,
            occurred_at=occurred,
            received_at=received,
            category=hardware,
            cc_emails="boss@acme.example, it@acme.example",
            extra_categories=[storage],
        ),
        dispatch=False,
    )
    t = Ticket.objects.get(pk=ticket.pk)
    assert t.number == "TS-20261121-001"
    assert t.title == "ERP 服务器频繁重启"
    assert t.description == "每隔两小时自动重启"
    assert t.channel == Channel.PHONE
    assert t.request_type == RequestType.FAULT
    assert t.organization == org
    assert t.contact == customer
    assert t.contact_name == str(customer)
    assert t.contact_email == customer.email
    assert t.contact_phone == "13800000000"
    assert t.product_line == line
    assert t.product == "ERP Server"
    assert t.product_version == "8.2.1"
    assert t.device_model == "PowerEdge R740"
    assert t.steps_to_reproduce == "1. 开机 2. 等两小时"
    assert t.error_message == "kernel panic"
    assert t.impact_scope == "财务部 30 人"
    assert (t.impact, t.urgency) == (Impact.ONE_DEPARTMENT, Urgency.HIGH)
    assert t.occurred_at == occurred
    assert t.received_at == received
    assert t.created_at == NOW
    assert t.registration_lag == dt.timedelta(minutes=12)
    assert t.category == hardware
    assert list(t.secondary_categories.all()) == [storage]
    assert t.classified_at == NOW  # an agent's category counts as the classification
    assert t.cc_emails == "boss@acme.example, it@acme.example"
    assert t.created_by == agent
    assert t.status == Status.NEW
    assert t.priority.scheme.is_default
    event = t.events.get()
    assert (event.kind, event.actor, event.new) == (TicketEvent.Kind.CREATED, agent, "phone")
    assert t.history.count() >= 1
    assert t.history.earliest().history_change_reason


def test_contact_details_typed_by_the_agent_win(agent, org, customer):
    t = services.ticket_create(
        actor=agent,
        data=data(
            org,
            contact=customer,
            contact_name="Alice Wang",
            contact_email="alice@acme.example",
            contact_phone="010-1234",
        ),
    )
    assert (t.contact_name, t.contact_email, t.contact_phone) == (
        "Alice Wang",
        "alice@acme.example",
        "010-1234",
    )


@pytest.mark.parametrize(
    ("minutes_ago", "lag"),
    [(0, dt.timedelta(0)), (9, dt.timedelta(minutes=9)), (60 * 26, dt.timedelta(hours=26))],
)
def test_registration_lag_is_registered_minus_received(agent, org, minutes_ago, lag):
    received = NOW - dt.timedelta(minutes=minutes_ago)
    t = services.ticket_create(
        actor=agent, data=data(org, channel=Channel.HOTLINE, received_at=received)
    )
    t.refresh_from_db()
    assert t.registration_lag == lag
    assert t.created_at - t.received_at == lag


def test_portal_ticket_is_received_when_registered(customer):
    t = services.ticket_create(actor=customer, data=data(None))
    t.refresh_from_db()
    assert t.received_at == t.created_at == NOW
    assert t.registration_lag == dt.timedelta(0)


def test_received_in_the_future_is_refused(agent, org):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(
            actor=agent,
            data=data(org, channel=Channel.PHONE, received_at=NOW + dt.timedelta(minutes=30)),
        )
    assert exc.value.field == "received_at"
    assert not Ticket.objects.exists()


def test_small_clock_skew_is_tolerated_and_clamped(agent, org):
    t = services.ticket_create(
        actor=agent,
        data=data(org, channel=Channel.PHONE, received_at=NOW + dt.timedelta(minutes=2)),
    )
    t.refresh_from_db()
    assert t.received_at == NOW
    assert t.registration_lag == dt.timedelta(0)


def test_problem_occurring_in_the_future_is_refused(agent, org):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(
            actor=agent,
            data=data(
                org,
                received_at=NOW,
                occurred_at=NOW + dt.timedelta(days=1),
            ),
        )
    assert exc.value.field == "occurred_at"


@pytest.mark.parametrize(
    "channel", [Channel.PHONE, Channel.HOTLINE, Channel.IM, Channel.CHAT, Channel.EMAIL]
)
def test_agent_logged_channels_require_received_at(agent, org, channel):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(actor=agent, data=data(org, channel=channel))
    assert exc.value.field == "received_at"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("channel", [Channel.PORTAL, Channel.API])
def test_self_service_channels_default_received_at(agent, org, channel):
    t = services.ticket_create(actor=agent, data=data(org, channel=channel))
    assert t.received_at == NOW


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "   "),
        ("description", ""),
        ("channel", "fax"),
        ("request_type", "complaint"),
        ("impact", "galaxy"),
        ("urgency", "yesterday"),
    ],
)
def test_bad_values_are_refused_with_the_field(agent, org, field, value):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(actor=agent, data=data(org, **{field: value}))
    assert exc.value.field == field
    assert not Ticket.objects.exists()


def test_inactive_category_is_refused(agent, org):
    old = category("network-vpn")
    old.active = False
    old.save()
    with pytest.raises(DomainError) as exc:
        services.ticket_create(actor=agent, data=data(org, category=old))
    assert exc.value.field == "category"


# --- who registers for whom ------------------------------------------------------------------


def test_customer_ticket_belongs_to_their_own_organization(customer, org):
    t = services.ticket_create(actor=customer, data=data(None))
    assert t.organization == org
    assert t.contact == customer
    assert t.contact_email == customer.email
    assert t.classified_at is None


def test_customer_is_forced_to_be_the_contact(customer, org):
    colleague = CustomerFactory(username="carol", organization=org)
    t = services.ticket_create(actor=customer, data=data(org, contact=colleague))
    assert t.contact == customer


def test_customer_cannot_open_for_another_organization(customer, other_org):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(actor=customer, data=data(other_org))
    assert exc.value.field == "organization"
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("channel", [Channel.PHONE, Channel.HOTLINE, Channel.IM, Channel.CHAT])
def test_customer_cannot_claim_an_agent_channel(customer, channel):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(actor=customer, data=data(None, channel=channel, received_at=NOW))
    assert exc.value.field == "channel"


def test_customer_by_email_needs_no_received_at(customer):
    t = services.ticket_create(actor=customer, data=data(None, channel=Channel.EMAIL))
    assert t.channel == Channel.EMAIL
    assert t.received_at == NOW


def test_customer_choice_of_category_is_only_a_hint(customer):
    t = services.ticket_create(
        actor=customer, data=data(None, title="无法登录", category=category("data-loss"))
    )
    assert t.category == category("data-loss")
    assert t.classified_at is None
    assert not ClassificationCorrection.objects.exists()
    assert Keyword.objects.get(phrase="无法登录").corrected_count == 0


def test_staff_without_the_register_permission_is_refused(engineer, org):
    with pytest.raises(NotAllowed):
        services.ticket_create(actor=engineer, data=data(org))


def test_agent_must_choose_the_organization(agent):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(actor=agent, data=data(None))
    assert exc.value.field == "organization"


def test_contact_must_belong_to_the_organization(agent, org, other_customer):
    with pytest.raises(DomainError) as exc:
        services.ticket_create(actor=agent, data=data(org, contact=other_customer))
    assert exc.value.field == "contact"


# --- keyword classification ------------------------------------------------------------------


def test_keyword_match_is_stored_and_counted(customer):
    t = services.ticket_create(actor=customer, data=data(None, title="早上开始系统无法登录"))
    keyword = Keyword.objects.get(phrase="无法登录")
    assert t.suggested_category == category("account-login")
    assert t.category == category("account-login")
    assert list(t.matched_keywords.all()) == [keyword]
    assert keyword.hit_count == 1
    assert set(t.tags.values_list("name", flat=True)) == {"登录"}
    services.ticket_create(actor=customer, data=data(None, description="还是无法登录"))
    keyword.refresh_from_db()
    assert keyword.hit_count == 2
    assert Keyword.objects.get(phrase="数据丢失").hit_count == 0


def test_several_keywords_from_every_text_field(agent, org):
    t = services.ticket_create(
        actor=agent,
        data=data(
            org,
            title="报表很慢",
            description="导出时",
            error_message="Connection Timeout",
            product="打印机驱动",
        ),
    )
    phrases = set(t.matched_keywords.values_list("phrase", flat=True))
    assert phrases == {"connection timeout", "打印机"}
    assert {"network", "timeout", "硬件", "打印"} == set(t.tags.values_list("name", flat=True))
    for phrase in phrases:
        assert Keyword.objects.get(phrase=phrase).hit_count == 1


def test_agent_choice_overrides_the_suggestion(agent, org):
    t = services.ticket_create(
        actor=agent, data=data(org, title="无法登录", category=category("network-vpn"))
    )
    assert t.suggested_category == category("account-login")
    assert t.category == category("network-vpn")
    assert t.classified_at == NOW
    # the choice at registration is the decision the classifier learns from
    decision = ClassificationCorrection.objects.get(ticket=t)
    assert (decision.suggested, decision.chosen, decision.actor, decision.keywords) == (
        category("account-login"),
        category("network-vpn"),
        agent,
        ["无法登录"],
    )
    kw = Keyword.objects.get(phrase="无法登录")
    assert (kw.confirmed_count, kw.corrected_count) == (0, 1)


def test_agent_confirming_at_registration_teaches_too(agent, org):
    t = services.ticket_create(
        actor=agent, data=data(org, title="无法登录", category=category("account-login"))
    )
    assert ClassificationCorrection.objects.get(ticket=t).was_correct
    kw = Keyword.objects.get(phrase="无法登录")
    assert (kw.confirmed_count, kw.corrected_count) == (1, 0)


def test_no_keyword_leaves_the_ticket_unclassified(customer):
    t = services.ticket_create(actor=customer, data=data(None))
    assert t.category is None
    assert t.suggested_category is None
    assert not t.matched_keywords.exists()
    assert not t.tags.exists()


def test_inactive_keywords_do_not_match(customer):
    Keyword.objects.filter(phrase="无法登录").update(active=False)
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"))
    assert t.suggested_category is None
    assert Keyword.objects.get(phrase="无法登录").hit_count == 0


# --- priority --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("impact", "urgency", "code", "rank"),
    [
        (Impact.CORE_BUSINESS, Urgency.CRITICAL, "urgent", 1),
        (Impact.ONE_USER, Urgency.CRITICAL, "high", 2),
        (Impact.ONE_USER, Urgency.MEDIUM, "medium", 3),
        (Impact.ONE_USER, Urgency.LOW, "low", 4),
    ],
)
def test_priority_from_the_default_scheme(customer, impact, urgency, code, rank):
    t = services.ticket_create(actor=customer, data=data(None, impact=impact, urgency=urgency))
    assert t.priority == level(code)
    assert t.priority_rank == rank


@pytest.mark.parametrize("impact", list(Impact))
@pytest.mark.parametrize("urgency", list(Urgency))
def test_priority_from_another_scheme_follows_its_matrix(agent, org, impact, urgency):
    from tickets.models import PriorityScheme

    scheme = PriorityScheme.objects.get(code="three-level")
    levels = list(PriorityLevel.objects.filter(scheme=scheme).order_by("rank"))
    expected = priority.default_matrix(levels)[(impact.value, urgency.value)]
    t = services.ticket_create(
        actor=agent, data=data(org, scheme=scheme, impact=impact, urgency=urgency)
    )
    assert t.priority == expected
    assert t.priority.scheme == scheme
    assert t.priority_rank == expected.rank


# --- automatic dispatch ----------------------------------------------------------------------


def _member(team, username, seniority, *, role=Role.ENGINEER, roles=None):
    user = UserFactory(username=username, role=role, roles=roles)
    MembershipFactory(team=team, user=user, seniority=seniority)
    return user


def _load(user, n, org):
    for _ in range(n):
        TicketFactory(assignee=user, status=Status.IN_PROGRESS, organization=org)


@pytest.fixture
def account_team(org):
    team = TeamFactory(name="账号组", code="accounts")
    RoutingRuleFactory(category=category("account"), team=team, position=10)
    junior = _member(team, "junior", Seniority.JUNIOR)
    senior = _member(team, "senior", Seniority.SENIOR)
    _load(senior, 2, org)
    return team, junior, senior


def test_auto_dispatch_to_the_least_loaded_engineer(customer, account_team):
    team, junior, _senior = account_team
    t = services.ticket_create(actor=customer, data=data(None, title="系统无法登录"))
    t.refresh_from_db()
    assert (t.team, t.assignee, t.status) == (team, junior, Status.ASSIGNED)
    assert t.assigned_at == NOW
    a = Assignment.objects.get(ticket=t)
    assert (a.kind, a.team, a.assignee, a.previous_assignee, a.actor) == (
        Assignment.Kind.AUTO,
        team,
        junior,
        None,
        None,
    )
    kinds = list(t.events.values_list("kind", flat=True))
    assert kinds == [TicketEvent.Kind.CREATED, TicketEvent.Kind.STATUS, TicketEvent.Kind.ASSIGNED]


def test_load_decides_between_equals(customer, account_team, org):
    team, junior, _senior = account_team
    other_junior = _member(team, "junior2", Seniority.JUNIOR)
    _load(junior, 3, org)
    _load(other_junior, 1, org)
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"))
    assert t.assignee == other_junior


def test_closed_tickets_do_not_count_as_load(customer, account_team, org):
    team, junior, _senior = account_team
    other_junior = _member(team, "junior2", Seniority.JUNIOR)
    for _ in range(3):
        TicketFactory(assignee=junior, status=Status.CLOSED, organization=org)
    _load(other_junior, 1, org)
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"))
    assert t.assignee == junior


def test_urgent_ticket_skips_a_junior(customer, account_team):
    _team, junior, senior = account_team
    t = services.ticket_create(
        actor=customer,
        data=data(None, title="无法登录", impact=Impact.CORE_BUSINESS, urgency=Urgency.CRITICAL),
    )
    assert t.priority_rank == 1
    assert t.assignee == senior
    assert t.assignee != junior


def test_seniority_rule_table_is_data(customer, account_team):
    from tickets.models import SeniorityRule

    _team, _junior, senior = account_team
    SeniorityRule.objects.filter(rank=3).update(min_seniority=Seniority.SENIOR)
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"))
    assert t.priority_rank == 3
    assert t.assignee == senior


def test_nobody_eligible_leaves_the_ticket_new_in_the_team_queue(customer, org):
    team = TeamFactory(code="accounts")
    RoutingRuleFactory(category=category("account"), team=team)
    _member(team, "junior", Seniority.JUNIOR)
    t = services.ticket_create(
        actor=customer,
        data=data(None, title="无法登录", impact=Impact.CORE_BUSINESS, urgency=Urgency.CRITICAL),
    )
    t.refresh_from_db()
    assert (t.team, t.assignee, t.status) == (team, None, Status.NEW)


def test_members_who_cannot_work_are_never_picked(customer, org):
    team = TeamFactory(code="accounts")
    RoutingRuleFactory(category=category("account"), team=team)
    _member(team, "auditor", Seniority.EXPERT, role=Role.QA_AUDITOR)
    unavailable = _member(team, "away", Seniority.JUNIOR)
    unavailable.memberships.update(active=False)
    worker = _member(team, "worker", Seniority.JUNIOR)
    _load(worker, 5, org)
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"))
    assert t.assignee == worker


def test_no_matching_rule_leaves_the_ticket_undispatched(customer, account_team):
    t = services.ticket_create(actor=customer, data=data(None, title="打印机卡纸"))
    t.refresh_from_db()
    assert (t.team, t.assignee, t.status) == (None, None, Status.NEW)
    assert not Assignment.objects.filter(ticket=t).exists()


def test_dispatch_can_be_turned_off(customer, account_team, settings):
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"), dispatch=False)
    assert t.assignee is None
    settings.AUTO_DISPATCH = False
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"))
    assert t.assignee is None
    t = services.ticket_create(actor=customer, data=data(None, title="无法登录"), dispatch=True)
    assert t.assignee is not None


def test_rules_are_matched_by_product_line_and_in_order(agent, org):
    erp = ProductLineFactory(code="erp")
    erp_team, general = TeamFactory(code="erp"), TeamFactory(code="general")
    RoutingRuleFactory(team=general, position=20)
    RoutingRuleFactory(team=erp_team, product_line=erp, position=10)
    erp_engineer = _member(erp_team, "erp-eng", Seniority.SENIOR)
    general_engineer = _member(general, "gen-eng", Seniority.SENIOR)
    t1 = services.ticket_create(actor=agent, data=data(org, product_line=erp))
    t2 = services.ticket_create(actor=agent, data=data(org))
    assert (t1.team, t1.assignee) == (erp_team, erp_engineer)
    assert (t2.team, t2.assignee) == (general, general_engineer)


def test_requirement_goes_to_the_product_manager(customer, org):
    team = TeamFactory(code="product")
    RoutingRuleFactory(category=category("requirement"), team=team)
    RoutingRuleFactory(team=TeamFactory(code="catch-all"), position=1000)
    engineer = _member(team, "dev", Seniority.EXPERT)
    pm = _member(team, "pm", Seniority.JUNIOR, role=Role.PRODUCT_MANAGER)
    _load(pm, 4, org)
    t = services.ticket_create(
        actor=customer,
        data=data(
            None,
            title="希望支持批量导入",
            request_type=RequestType.REQUIREMENT,
            impact=Impact.CORE_BUSINESS,
            urgency=Urgency.CRITICAL,
        ),
    )
    assert t.category == category("requirement-new")
    assert t.number.startswith("RD-20261121-")
    assert t.assignee == pm
    assert t.assignee != engineer


def test_requirement_without_a_product_manager_falls_back_to_the_engineers(customer, org):
    team = TeamFactory(code="product")
    RoutingRuleFactory(category=category("requirement"), team=team)
    engineer = _member(team, "dev", Seniority.JUNIOR)
    _member(team, "auditor", Seniority.JUNIOR, role=Role.QA_AUDITOR)
    t = services.ticket_create(
        actor=customer,
        data=data(None, title="希望支持导出 PDF", request_type=RequestType.REQUIREMENT),
    )
    assert t.assignee == engineer


def test_rule_flagged_for_product_manager(agent, org):
    team = TeamFactory(code="product")
    RoutingRuleFactory(team=team, to_product_manager=True)
    _member(team, "dev", Seniority.JUNIOR)
    pm = _member(team, "pm", Seniority.SENIOR, role=Role.PRODUCT_MANAGER)
    t = services.ticket_create(actor=agent, data=data(org))
    assert t.assignee == pm
    assert t.number.startswith("TS-")
