"""The agent confirms or corrects the suggested classification and sets the priority (§4)."""

import pytest

from tests.factories import category, level
from tickets import priority, services
from tickets.errors import DomainError, NotAllowed
from tickets.models import (
    Channel,
    ClassificationCorrection,
    Impact,
    Keyword,
    PriorityLevel,
    PriorityMatrixCell,
    PriorityScheme,
    Tag,
    Ticket,
    TicketEvent,
    Urgency,
)

pytestmark = pytest.mark.django_db


def create(actor, org=None, text="系统无法登录", **kw):
    return services.ticket_create(
        actor=actor,
        data=services.TicketData(
            title=text,
            description="今天早上开始",
            channel=Channel.PORTAL,
            organization=org,
            **kw,
        ),
        dispatch=False,
    )


def classify(ticket, actor, cat, **kw):
    return services.ticket_classify(ticket_id=ticket.pk, actor=actor, category=cat, **kw)


def counters(phrase: str) -> tuple[int, int]:
    kw = Keyword.objects.get(phrase=phrase)
    return kw.confirmed_count, kw.corrected_count


def test_confirming_the_suggestion(customer, agent):
    ticket = create(customer)
    login = category("account-login")
    assert ticket.suggested_category == login
    t = classify(ticket, agent, login)
    c = ClassificationCorrection.objects.get(ticket=t)
    assert (c.suggested, c.chosen, c.actor, c.was_correct) == (login, login, agent, True)
    assert c.keywords == ["无法登录"]
    assert "系统无法登录" in c.text
    assert counters("无法登录") == (1, 0)
    t = Ticket.objects.get(pk=t.pk)
    assert t.category == login
    assert t.classified_at is not None
    event = t.events.filter(kind=TicketEvent.Kind.CLASSIFIED).get()
    assert (event.actor, event.old, event.new) == (agent, login.full_label, login.full_label)


def test_correcting_the_suggestion(customer, agent):
    ticket = create(customer)
    vpn = category("network-vpn")
    t = classify(ticket, agent, vpn, reason="it is the VPN, not the account")
    c = ClassificationCorrection.objects.get(ticket=t)
    assert (c.suggested, c.chosen, c.was_correct) == (category("account-login"), vpn, False)
    assert counters("无法登录") == (0, 1)
    t = Ticket.objects.get(pk=t.pk)
    assert t.category == vpn
    assert t.suggested_category == category("account-login")
    event = t.events.filter(kind=TicketEvent.Kind.CLASSIFIED).get()
    assert (event.new, event.reason) == (vpn.full_label, "it is the VPN, not the account")
    assert t.history.order_by("-history_id").first().history_change_reason == (
        "it is the VPN, not the account"
    )


def test_each_matched_keyword_learns_on_its_own(customer, agent):
    ticket = create(customer, text="无法登录，而且 VPN 连接超时")
    classify(ticket, agent, category("network-down"))
    assert counters("连接超时") == (1, 0)
    assert counters("vpn") == (0, 1)
    assert counters("无法登录") == (0, 1)
    assert counters("数据丢失") == (0, 0)


def test_only_the_first_decision_teaches(customer, agent):
    ticket = create(customer)
    classify(ticket, agent, category("account-login"))
    classify(ticket, agent, category("network-vpn"))
    assert ClassificationCorrection.objects.filter(ticket=ticket).count() == 1
    assert counters("无法登录") == (1, 0)
    assert Ticket.objects.get(pk=ticket.pk).category == category("network-vpn")
    assert ticket.events.filter(kind=TicketEvent.Kind.CLASSIFIED).count() == 2


def test_learning_changes_the_next_suggestion(customer, agent):
    """打印机 (peripheral, 3 characters) beats 报错 (function failure, 2) until agents keep
    correcting 打印机 away; then 报错 wins until it is corrected even more often."""
    text = "打印机报错"
    first = create(customer, text=text)
    assert first.suggested_category == category("hardware-peripheral")
    Keyword.objects.filter(phrase="打印机").update(corrected_count=5)
    assert create(customer, text=text).suggested_category == category("software-function")
    Keyword.objects.filter(phrase="报错").update(corrected_count=20)
    assert create(customer, text=text).suggested_category == category("hardware-peripheral")


def test_decision_without_a_suggestion_is_kept_too(customer, agent):
    ticket = create(customer, text="报表导出很慢")
    t = classify(ticket, agent, category("data-import"))
    c = ClassificationCorrection.objects.get(ticket=t)
    assert (c.suggested, c.chosen, c.keywords, c.was_correct) == (
        None,
        category("data-import"),
        [],
        False,
    )


def test_secondary_categories(customer, agent):
    ticket = create(customer)
    classify(
        ticket,
        agent,
        category("hardware-storage"),
        secondary=[category("software-crash"), category("data-loss")],
    )
    t = Ticket.objects.get(pk=ticket.pk)
    assert set(t.secondary_categories.all()) == {category("software-crash"), category("data-loss")}
    classify(ticket, agent, category("hardware-storage"), secondary=[])
    assert not t.secondary_categories.exists()


def test_main_category_cannot_also_be_secondary(customer, agent):
    ticket = create(customer)
    with pytest.raises(DomainError) as exc:
        classify(ticket, agent, category("data-loss"), secondary=[category("data-loss")])
    assert exc.value.field == "secondary"
    assert not ClassificationCorrection.objects.exists()
    assert counters("无法登录") == (0, 0)


def test_inactive_category_is_refused(customer, agent):
    old = category("network-vpn")
    old.active = False
    old.save()
    with pytest.raises(DomainError) as exc:
        classify(create(customer), agent, old)
    assert exc.value.field == "category"


def test_tags_are_replaced_only_when_given(customer, agent):
    ticket = create(customer)
    assert set(ticket.tags.values_list("name", flat=True)) == {"登录"}
    classify(ticket, agent, category("account-login"))
    assert set(ticket.tags.values_list("name", flat=True)) == {"登录"}
    vip = Tag.objects.create(name="VIP")
    classify(ticket, agent, category("account-login"), tags=[vip])
    assert list(ticket.tags.all()) == [vip]


@pytest.mark.parametrize("who", ["customer", "engineer"])
def test_only_the_desk_classifies(customer, engineer, agent, who):
    ticket = create(customer)
    actor = {"customer": customer, "engineer": engineer}[who]
    with pytest.raises(NotAllowed):
        classify(ticket, actor, category("network-vpn"))
    assert not ClassificationCorrection.objects.exists()


# --- priority --------------------------------------------------------------------------------


def test_level_of_the_same_scheme_is_set(customer, agent):
    ticket = create(customer)
    assert ticket.priority == level("medium")
    t = classify(ticket, agent, category("account-login"), level=level("urgent"), reason="VIP")
    t = Ticket.objects.get(pk=t.pk)
    assert (t.priority, t.priority_rank) == (level("urgent"), 1)
    event = t.events.filter(kind=TicketEvent.Kind.PRIORITY).get()
    assert (event.old, event.new, event.reason) == (
        level("medium").label,
        level("urgent").label,
        "VIP",
    )


def test_level_from_another_scheme_is_refused(customer, agent):
    ticket = create(customer)
    with pytest.raises(DomainError) as exc:
        classify(ticket, agent, category("account-login"), level=level("urgent", "three-level"))
    assert exc.value.field == "level"
    t = Ticket.objects.get(pk=ticket.pk)
    assert t.priority == level("medium")
    assert t.classified_at is None
    assert not ClassificationCorrection.objects.exists()


def test_impact_and_urgency_recompute_the_priority(customer, agent):
    ticket = create(customer)
    t = classify(
        ticket,
        agent,
        category("account-login"),
        impact=Impact.CORE_BUSINESS,
        urgency=Urgency.CRITICAL,
    )
    t = Ticket.objects.get(pk=t.pk)
    assert (t.impact, t.urgency, t.priority, t.priority_rank) == (
        Impact.CORE_BUSINESS,
        Urgency.CRITICAL,
        level("urgent"),
        1,
    )
    # urgency alone, impact kept
    t = classify(t, agent, category("account-login"), urgency=Urgency.LOW)
    t = Ticket.objects.get(pk=t.pk)
    assert (t.impact, t.urgency, t.priority) == (Impact.CORE_BUSINESS, Urgency.LOW, level("high"))
    assert t.events.filter(kind=TicketEvent.Kind.PRIORITY).count() == 2


def test_recompute_stays_in_the_ticket_scheme(agent, org):
    scheme = PriorityScheme.objects.get(code="severity")
    ticket = create(agent, org, scheme=scheme)
    assert ticket.priority.scheme == scheme
    t = classify(
        ticket, agent, category("account-login"), impact=Impact.ONE_USER, urgency=Urgency.LOW
    )
    assert t.priority == level("minor", "severity")
    assert t.priority_rank == 4
    with pytest.raises(DomainError):
        classify(t, agent, category("account-login"), level=level("low"))


def test_unchanged_priority_logs_no_priority_event(customer, agent):
    ticket = create(customer)
    classify(ticket, agent, category("account-login"), urgency=Urgency.MEDIUM)
    assert not ticket.events.filter(kind=TicketEvent.Kind.PRIORITY).exists()


@pytest.mark.parametrize(("field", "value"), [("impact", "galaxy"), ("urgency", "whenever")])
def test_unknown_impact_or_urgency_is_refused(customer, agent, field, value):
    ticket = create(customer)
    with pytest.raises(DomainError) as exc:
        classify(ticket, agent, category("account-login"), level=level("high"), **{field: value})
    assert exc.value.field == field
    t = Ticket.objects.get(pk=ticket.pk)
    assert (t.impact, t.urgency) == (Impact.ONE_USER, Urgency.MEDIUM)


@pytest.mark.parametrize("code", ["four-level", "three-level", "sab", "severity"])
def test_shipped_matrices_are_the_default_matrix(code):
    scheme = PriorityScheme.objects.get(code=code)
    levels = list(PriorityLevel.objects.filter(scheme=scheme).order_by("rank"))
    cells = {
        (c.impact, c.urgency): c.level
        for c in PriorityMatrixCell.objects.filter(scheme=scheme).select_related("level")
    }
    assert cells == priority.default_matrix(levels)


def test_priority_for_reports_a_missing_cell():
    scheme = PriorityScheme.objects.get(code="four-level")
    PriorityMatrixCell.objects.filter(scheme=scheme, impact="core", urgency="low").delete()
    with pytest.raises(DomainError):
        services.priority_for(scheme=scheme, impact="core", urgency="low")
    assert services.priority_for(scheme=scheme, impact="core", urgency="critical") == level(
        "urgent"
    )
