"""What a user may do, computed once per request from their groups' permissions."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from .models import User


@dataclass(frozen=True)
class Caps:
    is_customer: bool = False
    view_all: bool = False
    work: bool = False
    assign: bool = False
    classify: bool = False
    register: bool = False
    view_internal: bool = False
    is_staff: bool = False

    @property
    def is_engineer_ui(self) -> bool:
        """Anyone of ours (not a customer) who may open the engineer web UI."""
        return not self.is_customer and (self.work or self.view_all or self.is_staff)


def user_caps(user: User | AnonymousUser) -> Caps:
    if not user.is_authenticated:
        return Caps()
    cached = getattr(user, "_caps", None)
    if cached is not None:
        return cached
    if user.organization_id is not None:
        caps = Caps(is_customer=True)
    else:
        perms = user.get_all_permissions()

        def has(codename: str) -> bool:
            return user.is_superuser or f"tickets.{codename}" in perms

        caps = Caps(
            view_all=has("view_all_tickets"),
            work=has("work_on_ticket"),
            assign=has("assign_ticket"),
            classify=has("classify_ticket"),
            register=has("register_ticket"),
            view_internal=has("view_internal"),
            is_staff=user.is_staff,
        )
    user._caps = caps  # type: ignore[union-attr]
    return caps
