"""factory_boy factories shared by the tests and `manage.py seed_demo`."""

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from factory.django import DjangoModelFactory

from tickets.models import (
    Category,
    Channel,
    Message,
    MessageKind,
    Organization,
    PriorityLevel,
    ProductLine,
    RoutingRule,
    Seniority,
    Team,
    TeamMembership,
    Ticket,
    User,
)
from tickets.numbering import next_number
from tickets.roles import Role


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("code",)

    name = factory.Faker("company", locale="zh_CN")
    code = factory.Sequence(lambda n: f"org-{n}")
    phone = factory.Faker("phone_number", locale="zh_CN")


class UserFactory(DjangoModelFactory):
    """One of our people. Pass `role=Role.ENGINEER` (or several via `roles=[...]`)."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name", locale="zh_CN")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("pass12345")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=str(extracted)))

    @factory.post_generation
    def roles(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=[str(r) for r in extracted]))


class CustomerFactory(UserFactory):
    organization = factory.SubFactory(OrganizationFactory)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create:
            self.groups.add(Group.objects.get(name=str(extracted or Role.CUSTOMER)))


class ProductLineFactory(DjangoModelFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Product line {n}")
    code = factory.Sequence(lambda n: f"pl-{n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Team {n}")
    code = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory, role=Role.ENGINEER)
    seniority = Seniority.JUNIOR


class RoutingRuleFactory(DjangoModelFactory):
    class Meta:
        model = RoutingRule

    name = factory.Sequence(lambda n: f"rule {n}")
    team = factory.SubFactory(TeamFactory)


def level(code: str = "medium", scheme: str = "four-level") -> PriorityLevel:
    return PriorityLevel.objects.get(scheme__code=scheme, code=code)


def category(code: str) -> Category:
    return Category.objects.get(code=code)


class TicketFactory(DjangoModelFactory):
    """A ticket written straight to the database (no routing); use the service for behaviour."""

    class Meta:
        model = Ticket
        skip_postgeneration_save = True

    number = factory.LazyFunction(lambda: next_number("TS"))
    title = factory.Faker("sentence", nb_words=6, locale="zh_CN")
    description = factory.Faker("paragraph", locale="zh_CN")
    channel = Channel.PORTAL
    organization = factory.SubFactory(OrganizationFactory)
    received_at = factory.LazyFunction(timezone.now)
    priority = factory.LazyFunction(level)
    priority_rank = factory.LazyAttribute(lambda o: o.priority.rank if o.priority else 9)


class MessageFactory(DjangoModelFactory):
    class Meta:
        model = Message

    ticket = factory.SubFactory(TicketFactory)
    kind = MessageKind.REPLY
    body = factory.Faker("paragraph", locale="zh_CN")


def closure_ready(ticket: Ticket, actor) -> None:
    """Record the closing checklist (PROCESS §12) that closing a resolved ticket requires, with
    a no-article reason; a ticket that is not resolved is left alone."""
    from tickets.services.closure import closure_record

    ticket = Ticket.objects.get(pk=ticket.pk)
    if ticket.status == "resolved":
        closure_record(
            ticket_id=ticket.pk,
            actor=actor,
            summary="registered, diagnosed, fixed",
            solution="applied the fix",
            people=[actor.pk],
            no_article_reason="covered by an existing article",
        )
