"""What a user may do in the knowledge base, from their groups' permissions."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from tickets.models import User
from tickets.permissions import permission_names, user_caps


@dataclass(frozen=True)
class KbCaps:
    read_internal: bool = False  # our people: every article; customers: public + published only
    write: bool = False
    review: bool = False
    organize: bool = False


def kb_caps(user: User | AnonymousUser) -> KbCaps:
    if not user.is_authenticated:
        return KbCaps()
    cached = getattr(user, "_kb_caps", None)
    if cached is not None:
        return cached
    caps = user_caps(user)
    if caps.is_customer or not caps.is_engineer_ui:
        result = KbCaps()
    else:
        perms = permission_names(user)

        def has(codename: str) -> bool:
            return user.is_superuser or f"knowledge.{codename}" in perms

        result = KbCaps(
            read_internal=True,
            write=has("write_article"),
            review=has("review_article"),
            organize=has("organize_case_review"),
        )
    user._kb_caps = result  # type: ignore[union-attr]
    return result
