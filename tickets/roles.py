"""The roles of PROCESS §1 as auth groups, and the permissions each group holds.

Groups are created and kept in sync by a data migration (and `tickets.services.roles_sync`).
"""

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("customer")
    AGENT = "agent", _("service desk agent (L1)")
    ENGINEER = "engineer", _("engineer (L2)")
    EXPERT = "expert", _("expert")
    SUPERVISOR = "supervisor", _("supervisor / tech lead")
    ACCOUNT_MANAGER = "account_manager", _("account manager")
    PRODUCT_MANAGER = "product_manager", _("product manager")
    QA_AUDITOR = "qa_auditor", _("QA auditor")
    SUPPORT_MANAGER = "support_manager", _("support manager")


_WORK = ("work_on_ticket", "view_internal")
_DESK = ("view_all_tickets", "assign_ticket", "classify_ticket", "register_ticket")

ROLE_PERMISSIONS: Final[dict[Role, tuple[str, ...]]] = {
    Role.CUSTOMER: (),
    Role.AGENT: _WORK + _DESK,
    Role.ENGINEER: _WORK,
    Role.EXPERT: (*_WORK, "answer_escalation"),
    Role.SUPERVISOR: (*_WORK, *_DESK, "answer_escalation", "convene_consultation", "review_plan"),
    Role.ACCOUNT_MANAGER: ("view_all_tickets", "view_internal"),
    Role.PRODUCT_MANAGER: (*_WORK, "view_all_tickets", "evaluate_requirement"),
    Role.QA_AUDITOR: ("view_all_tickets", "view_internal"),
    Role.SUPPORT_MANAGER: _WORK + _DESK,
}
