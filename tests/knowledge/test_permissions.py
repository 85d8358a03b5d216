"""What the knowledge base lets each role do, read from the groups' permissions."""

import pytest

from knowledge.permissions import kb_caps
from tests.factories import UserFactory
from tickets.permissions import user_caps
from tickets.roles import Role

pytestmark = pytest.mark.django_db


def test_both_capability_sets_read_the_permissions_in_one_query(
    engineer, django_assert_num_queries
):
    with django_assert_num_queries(1):
        caps = kb_caps(engineer)
        assert user_caps(engineer).work
    assert caps.read_internal and caps.write and not caps.review
    with django_assert_num_queries(0):
        assert kb_caps(engineer) is caps


def test_experts_review_customers_and_inactive_people_read_no_internal(expert, customer):
    assert kb_caps(expert).review
    assert not kb_caps(customer).read_internal
    inactive = UserFactory(role=Role.EXPERT, is_active=False)
    assert not kb_caps(inactive).review
