"""Actions on one ticket in the engineer UI."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..models import (
    Category,
    Impact,
    MessageKind,
    PriorityLevel,
    Status,
    Team,
    Ticket,
    Urgency,
    WorkLogKind,
)
from .common import BLANK, MultipleFileField, active_categories, category_choices


class TransitionForm(forms.Form):
    """Posted values are checked by the workflow in the service, not here."""

    to = forms.ChoiceField(label=_("New status"), choices=Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=selectors.assignable_users(), required=False
    )
    team = forms.ModelChoiceField(
        label=_("Team"), queryset=Team.objects.filter(active=True), required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)
    auto = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, ticket: Ticket | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if ticket is not None and not self.is_bound:
            self.fields["team"].initial = ticket.team_id

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("auto") and not (data.get("assignee") or data.get("team")):
            raise ValidationError(
                _("Choose an assignee or a team, or use routing rules."), code="empty"
            )
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)


class FollowForm(forms.Form):
    follow = forms.BooleanField(required=False)


class ClassifyForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(active=True)
    )
    secondary = forms.ModelMultipleChoiceField(
        label=_("Secondary categories"),
        queryset=Category.objects.filter(active=True),
        required=False,
        help_text=_("For compound problems: the other causes involved."),
    )
    impact = forms.ChoiceField(label=_("Impact"), choices=Impact.choices)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    level = forms.ModelChoiceField(
        label=_("Priority"),
        queryset=PriorityLevel.objects.none(),
        required=False,
        empty_label=_("from impact × urgency"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)

    def __init__(
        self,
        *args: Any,
        ticket: Ticket,
        secondary: Sequence[Category] = (),
        categories: Sequence[Category] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.fields["level"].queryset = (
            PriorityLevel.objects.filter(scheme_id=ticket.priority.scheme_id)
            if ticket.priority_id
            else PriorityLevel.objects.filter(scheme__is_default=True)
        )
        if not self.is_bound:
            self.initial.update(
                category=ticket.category_id or ticket.suggested_category_id,
                secondary=[c.pk for c in secondary],
                impact=ticket.impact,
                urgency=ticket.urgency,
            )
            cats = categories if categories is not None else active_categories()
            self.fields["category"].choices = category_choices(cats)
            self.fields["secondary"].choices = category_choices(cats, blank=None, full=False)
        self.fields["secondary"].widget.attrs["size"] = 5
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
        self.fields["reason"].widget.attrs["class"] = "form-control form-control-sm"

    def service_kwargs(self) -> dict[str, Any]:
        """Impact and urgency only when changed, so confirming keeps an explicit priority."""
        data = self.cleaned_data
        return {
            "category": data["category"],
            "secondary": list(data["secondary"]),
            "impact": data["impact"] if data["impact"] != self.ticket.impact else None,
            "urgency": data["urgency"] if data["urgency"] != self.ticket.urgency else None,
            "level": data["level"],
            "reason": data["reason"],
        }


class MessageForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=MessageKind.choices, initial=MessageKind.REPLY
    )
    worklog_kind = forms.ChoiceField(
        label=_("Work log"), choices=[("", BLANK), *WorkLogKind.choices], required=False
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField()
