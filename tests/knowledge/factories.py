import factory
from factory.django import DjangoModelFactory

from knowledge.models import Article, ArticleStatus, Audience
from knowledge.services import article_index
from tests.factories import UserFactory
from tickets.roles import Role


class ArticleFactory(DjangoModelFactory):
    """An article written straight to the database, then indexed like the services do."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article {n}")
    symptom = "Something does not work."
    solution = "Do the right thing."
    author = factory.SubFactory(UserFactory, role=Role.ENGINEER)
    status = ArticleStatus.PUBLISHED
    audience = Audience.PUBLIC

    @factory.post_generation
    def indexed(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            article_index(article=self)
