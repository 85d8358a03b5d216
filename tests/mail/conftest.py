import pytest

from tickets import services
from tickets.models import Channel


@pytest.fixture(autouse=True)
def _tasks_in_process(monkeypatch):
    """Tasks queued on commit run at once, in the test's process."""
    monkeypatch.setattr("django_q.conf.Conf.SYNC", True)


@pytest.fixture
def open_ticket(customer, django_capture_on_commit_callbacks):
    """A ticket the customer opened in the portal (its acknowledgement already sent)."""

    def make(**changes):
        data = {
            "title": "打印机无法连接网络",
            "description": "三楼的打印机从今天早上开始连不上网络。",
            "channel": Channel.PORTAL,
            **changes,
        }
        with django_capture_on_commit_callbacks(execute=True):
            return services.ticket_create(actor=customer, data=services.TicketData(**data))

    return make
