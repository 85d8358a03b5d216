import pytest
from django.utils.functional import empty

from tests.factories import CustomerFactory, MembershipFactory, OrganizationFactory, UserFactory
from tickets.models import Seniority
from tickets.models.ticket import private_storage
from tickets.roles import Role


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "attachments"
    # The lazy storage is set up during the test database's migrations, before this override.
    private_storage._wrapped = empty
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "sync": True}
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme 科技", code="acme")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Globex 集团", code="globex")


@pytest.fixture
def customer(org):
    return CustomerFactory(username="alice", organization=org)


@pytest.fixture
def other_customer(other_org):
    return CustomerFactory(username="bob", organization=other_org)


@pytest.fixture
def agent(db):
    return UserFactory(username="agent", role=Role.AGENT)


@pytest.fixture
def supervisor(db):
    return UserFactory(username="lead", role=Role.SUPERVISOR)


@pytest.fixture
def engineer(db):
    return MembershipFactory(
        user=UserFactory(username="eng", role=Role.ENGINEER), seniority=Seniority.SENIOR
    ).user


@pytest.fixture
def outsider_engineer(db):
    """An engineer of another team: sees none of `engineer`'s team tickets."""
    return MembershipFactory(user=UserFactory(username="eng2", role=Role.ENGINEER)).user


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on loopback; Django's mail goes to it for the test.

    `smtp_server.received` lists what arrived (`.message` parses one, `.rcpt_tos`, `.raw`).
    """
    from tests.mail.smtp import SmtpServer

    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    yield server
    server.stop()
