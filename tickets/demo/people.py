"""Organizations, contacts, our people, teams and routing rules, through the factories."""

from dataclasses import dataclass

import factory
from django.contrib.auth.hashers import make_password
from django.db import transaction

from tests.factories import (
    CustomerFactory,
    OrganizationFactory,
    ProductLineFactory,
    RoutingRuleFactory,
    TeamFactory,
    UserFactory,
)

from ..models import Category, Organization, ProductLine, RoutingRule, Team, TeamMembership, User
from ..roles import Role
from . import content
from .content import DEMO_PASSWORD

STAFF_DOMAIN = "support.example.com"


@dataclass
class Cast:
    """The people, organizations, teams and categories the tickets are made of."""

    users: dict[str, User]
    organizations: list[tuple[Organization, list[User], bool]]
    teams: dict[str, Team]
    product_lines: dict[str, ProductLine]
    categories: dict[str, Category]


@transaction.atomic
def seed_people_and_rules() -> Cast:
    """Organizations, contacts, our people, teams and routing rules. Idempotent: existing rows
    (matched by code or username) are reused and left as an administrator may have edited them."""
    product_lines = {
        code: ProductLineFactory(code=code, name=name) for code, name in content.PRODUCT_LINES
    }
    # Hash the shared password once (PBKDF2 is slow on purpose), not once per user.
    password = factory.Transformer.Force(make_password(DEMO_PASSWORD))
    users: dict[str, User] = {}
    for login in content.DEMO_LOGINS:
        if login.role == Role.CUSTOMER:
            continue
        users[login.username] = UserFactory(
            username=login.username,
            display_name=login.display_name,
            email=f"{login.username}@{STAFF_DOMAIN}",
            password=password,
            role=login.role,
            is_staff=login.role is None,
            is_superuser=login.role is None,
        )
    for username, name, role in content.STAFF:
        users[username] = UserFactory(
            username=username,
            display_name=name,
            email=f"{username}@{STAFF_DOMAIN}",
            password=password,
            role=role,
        )

    organizations = []
    for spec in content.ORGANIZATIONS:
        org = OrganizationFactory(
            code=spec.code, name=spec.name, phone=spec.phone, email_domain=spec.domain
        )
        contacts = [
            CustomerFactory(
                username=username,
                organization=org,
                display_name=name,
                email=f"{local}@{spec.domain}",
                phone=mobile,
                password=password,
                language="en" if spec.english else "",
            )
            for username, name, local, mobile in spec.contacts
        ]
        users.update({c.username: c for c in contacts})
        organizations.append((org, contacts, spec.english))

    teams = {}
    for spec in content.TEAMS:
        team = TeamFactory(
            code=spec.code,
            name=spec.name,
            product_line=product_lines[spec.product_line],
            lead=users[spec.lead],
            email=f"{spec.code}@{STAFF_DOMAIN}",
        )
        for username, seniority in spec.members:
            TeamMembership.objects.get_or_create(
                team=team, user=users[username], defaults={"seniority": seniority}
            )
        teams[spec.code] = team

    categories = {c.code: c for c in Category.objects.select_related("parent")}
    for position, name, code, team_code, to_pm in content.ROUTING_RULES:
        category = categories.get(code)
        if category is None or RoutingRule.objects.filter(category=category).exists():
            continue
        RoutingRuleFactory(
            position=position,
            name=name,
            category=category,
            team=teams[team_code],
            to_product_manager=to_pm,
        )
    return Cast(
        users=users,
        organizations=organizations,
        teams=teams,
        product_lines=product_lines,
        categories=categories,
    )
