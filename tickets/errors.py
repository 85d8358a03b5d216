"""One domain error type, translated once for the API (400/409) and once for the UI (a message)."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A user's request that the process refuses. `status` is the HTTP status for the API."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(DomainError):
    status = 409

    def __init__(self, src: str, dst: str, message: str | None = None) -> None:
        from .models import Status

        self.src, self.dst = src, dst
        super().__init__(
            message
            or _("A ticket cannot move from “%(src)s” to “%(dst)s”.")
            % {"src": Status(src).label, "dst": Status(dst).label},
            field="status",
        )


class Conflict(DomainError):
    status = 409


class NotAllowed(DomainError):
    status = 403
