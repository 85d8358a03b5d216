"""Which role groups (tickets/roles.py) hold the knowledge permissions; applied by migration."""

from typing import Final

from tickets.roles import Role

KB_ROLE_PERMISSIONS: Final[dict[Role, tuple[str, ...]]] = {
    Role.AGENT: ("write_article",),
    Role.ENGINEER: ("write_article",),
    Role.EXPERT: ("write_article", "review_article"),
    Role.SUPERVISOR: ("write_article", "review_article", "organize_case_review"),
    Role.SUPPORT_MANAGER: ("write_article", "review_article", "organize_case_review"),
    Role.PRODUCT_MANAGER: ("write_article",),
}
