"""What a user may do, computed once per request from their groups' permissions."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Q

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
    answer_escalation: bool = False
    convene: bool = False
    review_plan: bool = False
    evaluate_requirement: bool = False

    @property
    def is_engineer_ui(self) -> bool:
        """Anyone of ours (not a customer) who may open the engineer web UI."""
        return not self.is_customer and (self.work or self.view_all or self.is_staff)


def permission_names(user: User) -> frozenset[str]:
    """The user's own and their groups' permissions ("app.codename") in one query (Django's
    backend makes two), read once per user object. Like Django's ModelBackend: an inactive
    user has none; a superuser has "*"."""
    cached = getattr(user, "_permission_names", None)
    if cached is not None:
        return cached
    if not user.is_active:
        names: frozenset[str] = frozenset()
    elif user.is_superuser:
        names = frozenset({"*"})
    else:
        rows = (
            Permission.objects.filter(Q(group__user=user) | Q(user=user))
            .values_list("content_type__app_label", "codename")
            .distinct()
        )
        names = frozenset(f"{app}.{codename}" for app, codename in rows)
    user._permission_names = names  # type: ignore[attr-defined]
    return names


def user_caps(user: User | AnonymousUser) -> Caps:
    if not user.is_authenticated:
        return Caps()
    cached = getattr(user, "_caps", None)
    if cached is not None:
        return cached
    if user.organization_id is not None:
        caps = Caps(is_customer=True)
    else:
        perms = permission_names(user)

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
            answer_escalation=has("answer_escalation"),
            convene=has("convene_consultation"),
            review_plan=has("review_plan"),
            evaluate_requirement=has("evaluate_requirement"),
        )
    user._caps = caps  # type: ignore[union-attr]
    return caps
