import pytest

from knowledge import finder
from knowledge.models import Article, ArticleStatus
from tickets.demo.knowledge import ARTICLES, seed_knowledge
from tickets.demo.people import seed_people_and_rules

pytestmark = pytest.mark.django_db


def test_demo_articles_are_published_by_a_reviewer_and_searchable(customer):
    cast = seed_people_and_rules()
    assert seed_knowledge(cast) == len(ARTICLES)
    assert seed_knowledge(cast) == 0  # idempotent
    articles = Article.objects.all()
    assert {a.status for a in articles} == {ArticleStatus.PUBLISHED}
    assert all(a.reviewer_id and a.reviewer_id != a.author_id for a in articles)
    assert articles.get(title__startswith="OA").history.count() == 3
    hits = finder.search_articles(user=customer, text="登录失败")
    assert hits and hits[0].obj.title.startswith("OA 系统无法登录")
