"""The queue's filter bar and bulk actions."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import Category, Status, Team, User
from ..workflow import ACTION_ONLY_TARGETS
from .common import BLANK, IdListField, category_choices, user_choices
from .widgets import fast_selects


def prepare_filter_form(
    form: forms.BaseForm,
    *,
    staff: Sequence[User] | None = None,
    teams: Sequence[Team] | None = None,
) -> None:
    """Compact widgets; with `staff` and `teams` (the panel is rendered), option lists built
    from already-loaded rows (one query each). The queue renders the panel of rarely used
    filters only when it is opened or in use, so most queue pages build no option lists."""
    form.fields["status"].widget = forms.CheckboxSelectMultiple(
        attrs={"class": "btn-check"}, choices=form.fields["status"].choices
    )
    form.fields["priority"].label_from_instance = lambda lv: f"{lv.label} ({lv.scheme.label})"
    for name in ("priority", "channel", "organization"):
        form.fields[name].empty_label = _("any")
    if staff is not None and teams is not None:
        # The options are set on the widgets (what renders); the fields still validate
        # against their querysets.
        form.fields["category"].widget.choices = category_choices(
            Category.objects.select_related("parent"), blank=_("all categories")
        )
        form.fields["assignee"].widget.choices = user_choices(staff, blank=_("anyone"))
        form.fields["team"].widget.choices = [
            ("", _("all teams")),
            *((t.pk, str(t)) for t in teams),
        ]
    for name in ("created_after", "created_before"):
        form.fields[name].widget = forms.DateInput(attrs={"type": "date"})
    for name, field in form.fields.items():
        if name == "status":
            continue
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", f"{css} {css}-sm")
    form.fields["q"].widget.attrs["placeholder"] = _("Number or words in the title")
    fast_selects(form)


class BulkActionForm(forms.Form):
    ASSIGN, AUTO, STATUS = "assign", "auto", "status"

    tickets = IdListField(label=_("Tickets"), required=False)
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            (ASSIGN, _("Assign to…")),
            (AUTO, _("Assign by routing rules")),
            (STATUS, _("Change status to…")),
        ],
    )
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=selectors.assignable_users(), required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.filter(active=True), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", BLANK)]
        + [(s.value, s.label) for s in Status if s not in ACTION_ONLY_TARGETS],
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(
        self,
        *args: Any,
        staff: Sequence[User] | None = None,
        teams: Sequence[Team] | None = None,
        assignee_options_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if staff is not None:
            self.fields["assignee"].choices = user_choices(staff, blank=_("assignee…"))
        if assignee_options_url:
            # Hundreds of people: the options arrive when the list is first pointed at.
            self.fields["assignee"].widget.attrs.update(
                {
                    "hx-get": assignee_options_url,
                    "hx-trigger": "mouseenter once, focus once",
                    "hx-swap": "innerHTML",
                }
            )
        if teams is not None:
            self.fields["team"].choices = [("", _("team…")), *((t.pk, str(t)) for t in teams)]
        for name in ("action", "assignee", "team", "status"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["reason"].widget.attrs.update(
            {"class": "form-control form-control-sm", "placeholder": _("Reason")}
        )
        fast_selects(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("tickets"):
            raise ValidationError(_("Select at least one ticket."))
        action = data.get("action")
        if action == self.ASSIGN and not (data.get("assignee") or data.get("team")):
            self.add_error("assignee", _("Choose an assignee or a team."))
        if action == self.STATUS and not data.get("status"):
            self.add_error("status", _("Choose the new status."))
        return data
