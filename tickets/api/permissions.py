"""Request-level gates for the API. Object scope comes from `tickets.selectors`, and every write
is checked again by its service; these only refuse whole endpoints early."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from tickets.permissions import user_caps


class CanViewInternal(BasePermission):
    """Our support staff (anyone who may read internal notes): never customers."""

    message = _("Only support staff can see this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return user_caps(request.user).view_internal
