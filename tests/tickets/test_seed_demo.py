import datetime as dt
import io

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from django.utils.functional import empty

from tests.factories import TicketFactory
from tickets.demo import DEMO_LOGINS, DEMO_PASSWORD
from tickets.demo.content import ORGANIZATIONS, TEAMS
from tickets.models import (
    Assignment,
    ClassificationCorrection,
    Message,
    Organization,
    RoutingRule,
    Seniority,
    Status,
    Team,
    TeamMembership,
    Ticket,
    TicketEvent,
    User,
)
from tickets.models.ticket import private_storage
from tickets.numbering import parse_number
from tickets.roles import Role

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "organizations": Organization.objects.count(),
        "teams": Team.objects.count(),
        "memberships": TeamMembership.objects.count(),
        "rules": RoutingRule.objects.count(),
    }


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """`seed_demo --tickets 20 --seed 1` once for the class, rolled back at the end."""
    media = tmp_path_factory.mktemp("attachments")
    with (
        django_db_blocker.unblock(),
        override_settings(PRIVATE_MEDIA_ROOT=media, PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        private_storage._wrapped = empty  # the lazy storage picks up the overridden root
        out = io.StringIO()
        call_command("seed_demo", "--tickets", "20", "--seed", "1", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
    private_storage._wrapped = empty


class TestSeededDatabase:
    """Everything checked on one seeded database (a class keeps the tests together when the
    order is shuffled, so the empty-database tests below never see the seeded rows)."""

    def test_tickets_reach_every_status(self, seeded, db):
        assert Ticket.objects.count() == 20
        assert set(Ticket.objects.values_list("status", flat=True)) == set(Status.values)

    def test_summary_is_printed(self, seeded, db):
        assert "Demo tickets" in seeded
        for status in Status:
            assert status.value in seeded

    @pytest.mark.parametrize("login", DEMO_LOGINS, ids=lambda d: d.username)
    def test_every_demo_login_exists_with_its_role_and_can_sign_in(self, seeded, db, client, login):
        user = User.objects.get(username=login.username)
        if login.role is None:
            assert user.is_superuser and user.is_staff
        else:
            assert list(user.groups.values_list("name", flat=True)) == [login.role.value]
            assert not user.is_staff
        assert client.login(username=login.username, password=DEMO_PASSWORD)

    def test_customer_is_a_contact_of_the_first_organization(self, seeded, db):
        customer = User.objects.get(username="customer")
        assert customer.organization.code == ORGANIZATIONS[0].code

    def test_organizations_have_two_portal_contacts_each(self, seeded, db):
        orgs = Organization.objects.filter(code__in=[o.code for o in ORGANIZATIONS])
        assert orgs.count() == len(ORGANIZATIONS) >= 4
        assert any(o.name.isascii() for o in orgs)
        for org in orgs:
            contacts = org.contacts.all()
            assert contacts.count() == 2
            assert all(c.groups.filter(name=Role.CUSTOMER).exists() for c in contacts)

    def test_teams_have_members_of_every_seniority_and_the_demo_engineers(self, seeded, db):
        for spec in TEAMS:
            team = Team.objects.get(code=spec.code)
            seniorities = set(team.memberships.values_list("seniority", flat=True))
            assert seniorities == set(Seniority.values), team
        members = set(TeamMembership.objects.values_list("user__username", flat=True))
        assert {"engineer", "expert", "supervisor", "product_manager"} <= members

    def test_routing_rules_send_categories_to_their_teams(self, seeded, db):
        rules = {r.category.code: r for r in RoutingRule.objects.select_related("category", "team")}
        assert rules["network"].team.name == "网络组"
        assert rules["hardware"].team.name == "运维组"
        for code in ("software", "data", "account", "consulting"):
            assert rules[code].team.name == "产品支持组"
        assert rules["requirement"].team.name == "产品支持组"
        assert rules["requirement"].to_product_manager

    def test_the_stories_of_the_process_are_told(self, seeded, db):
        assert Ticket.objects.filter(reopen_count__gt=0).exists()
        assert (
            TicketEvent.objects.filter(kind=TicketEvent.Kind.REOPENED).exclude(reason="").exists()
        )
        handback = Assignment.objects.filter(kind=Assignment.Kind.HANDBACK)
        assert handback.exists() and all(a.reason for a in handback)
        decisions = list(ClassificationCorrection.objects.all())
        assert any(d.was_correct for d in decisions)
        assert any(d.suggested_id and not d.was_correct for d in decisions)
        worklog = set(Message.objects.filter(kind="worklog").values_list("worklog_kind", flat=True))
        assert worklog == {"ask", "look", "test"}
        assert Message.objects.filter(kind="note").exists()
        assert Message.objects.filter(kind="reply", author__organization__isnull=False).exists()
        assert Ticket.objects.filter(team__code="rnd").exists()  # escalated to R&D
        assert Ticket.objects.filter(
            request_type="requirement", assignee__username="product_manager"
        )

    def test_customers_answered_surveys_and_a_dissatisfied_one_is_followed_up(self, seeded, db):
        from quality.models import FollowUp, SurveyAnswer

        answers = SurveyAnswer.objects.all()
        assert 1 <= answers.count() <= 3
        assert answers.filter(dissatisfied=True).count() == 1
        followup = FollowUp.objects.get()
        assert followup.status == FollowUp.Status.STARTED

    def test_archived_tickets_are_logged_in_the_timeline_and_history(self, seeded, db):
        archived = Ticket.objects.filter(status=Status.ARCHIVED)
        assert archived.exists()
        for ticket in archived:
            event = ticket.events.get(new=Status.ARCHIVED)
            assert event.old == Status.CLOSED
            assert ticket.history.first().status == Status.ARCHIVED

    def test_tickets_spread_over_the_last_30_days_with_consistent_times(self, seeded, db):
        now = timezone.now()
        tickets = list(Ticket.objects.all())
        received = [t.received_at for t in tickets]
        assert min(received) >= now - dt.timedelta(days=31)
        assert max(received) - min(received) > dt.timedelta(days=10)
        for t in tickets:
            assert t.received_at <= t.created_at <= now
            assert t.registration_lag == t.created_at - t.received_at
            _prefix, day, _seq = parse_number(t.number)
            assert day == timezone.localtime(t.created_at).date()
            events = list(t.events.values_list("created_at", flat=True))
            assert events == sorted(events) and events[0] >= t.created_at
            if t.closed_at:
                assert t.resolved_at and t.created_at < t.resolved_at <= t.closed_at <= now

    def test_running_twice_adds_tickets_but_no_people_organizations_teams_or_rules(
        self, seeded, db
    ):
        before = _counts()
        with override_settings(PASSWORD_HASHERS=FAST_HASHER):
            call_command("seed_demo", "--tickets", "2", "--seed", "9", verbosity=0)
        assert _counts() == before
        assert Ticket.objects.count() == 22

    def test_the_same_seed_plans_the_same_tickets(self, seeded, db):
        def batch(seed: int) -> list[tuple]:
            start = Ticket.objects.order_by("-id").values_list("id", flat=True).first()
            call_command("seed_demo", "--tickets", "5", "--seed", str(seed), verbosity=0)
            return list(
                Ticket.objects.filter(id__gt=start)
                .order_by("received_at")
                .values_list(
                    "title", "status", "channel", "organization__code", "contact__username"
                )
            )

        with override_settings(PASSWORD_HASHERS=FAST_HASHER):
            first, again, other = batch(3), batch(3), batch(4)
        assert first == again
        assert first != other

    def test_demo_logins_lists_accounts_and_urls(self, seeded, db):
        out = io.StringIO()
        call_command("demo_logins", "--base-url", "http://helpdesk.test:8000/", stdout=out)
        text = out.getvalue()
        for login in DEMO_LOGINS:
            assert login.username in text
        assert text.count(DEMO_PASSWORD) == len(DEMO_LOGINS) + 1
        for path in ("/portal/", "/admin/", "/api/docs/"):
            assert f"http://helpdesk.test:8000{path}" in text
        assert "http://helpdesk.test:8000/ " in text


def test_if_empty_does_nothing_when_tickets_exist(db):
    TicketFactory()
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert Ticket.objects.count() == 1
    assert not User.objects.filter(username="agent").exists()
    assert "--if-empty" in out.getvalue()


def test_if_empty_loads_an_empty_database(db):
    call_command("seed_demo", "--if-empty", "--tickets", "3", verbosity=0)
    assert Ticket.objects.count() == 3
    assert User.objects.filter(username="admin", is_superuser=True).exists()


def test_seeding_keeps_what_an_administrator_changed(db):
    call_command("seed_demo", "--tickets", "0", verbosity=0)
    User.objects.filter(username="admin").update(password=make_password("changed-secret"))
    Team.objects.filter(code="ops").update(name="运维一组")

    call_command("seed_demo", "--tickets", "0", verbosity=0)

    assert User.objects.get(username="admin").check_password("changed-secret")
    assert Team.objects.filter(name="运维一组").count() == 1
    assert not Team.objects.filter(name="运维组").exists()


def test_negative_ticket_count_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("seed_demo", "--tickets", "-1")


def test_demo_logins_before_seeding_says_so(db):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert DEMO_PASSWORD not in out.getvalue()
    assert "seed_demo" in out.getvalue()
