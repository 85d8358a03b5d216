from django.http import HttpRequest
from django.utils.functional import cached_property

from tickets.models import User

from .selectors import unread_notification_count


class NotificationBell:
    """The navbar's unread count, queried once and only when a template shows it."""

    LIMIT = 100

    def __init__(self, user: User) -> None:
        self._user = user

    @cached_property
    def unread(self) -> int:
        return unread_notification_count(user=self._user, limit=self.LIMIT)

    @property
    def overflow(self) -> bool:
        return self.unread >= self.LIMIT


def notifications(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_bell": NotificationBell(user)}
