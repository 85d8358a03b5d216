"""Forms of the resolution workflow (PROCESS §7, §8): they parse input, the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import Consultation, Discipline, Organization, Requirement, User


class EscalationForm(forms.Form):
    problem = forms.CharField(
        label=_("Problem description"), widget=forms.Textarea(attrs={"rows": 3})
    )
    tried = forms.CharField(
        label=_("What was already tried"), widget=forms.Textarea(attrs={"rows": 2})
    )
    resources = forms.CharField(
        label=_("Resources needed"), widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Answer"),
        choices=[("1", _("accept")), ("0", _("decline"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)


class WorkaroundForm(forms.Form):
    text = forms.CharField(label=_("Workaround"), widget=forms.Textarea(attrs={"rows": 2}))


class WorkaroundRemoveForm(forms.Form):
    note = forms.CharField(label=_("Note on removal"), max_length=2000, required=False)


def staff_users() -> Any:
    return User.objects.filter(organization__isnull=True, is_active=True).order_by(
        "display_name", "username"
    )


class ConsultationForm(forms.Form):
    """One participant list per discipline; the service checks the mix."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Consultation.Kind.choices)
    topic = forms.CharField(
        label=_("Question to the experts"), widget=forms.Textarea(attrs={"rows": 3})
    )
    proposal = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = staff_users()
        for value, label in Discipline.choices:
            self.fields[f"d_{value}"] = forms.ModelMultipleChoiceField(
                label=label,
                queryset=people,
                required=False,
                widget=forms.SelectMultiple(attrs={"size": 4}),
            )

    def participants(self) -> list[tuple[User, str]]:
        return [
            (user, value)
            for value, _label in Discipline.choices
            for user in self.cleaned_data.get(f"d_{value}") or ()
        ]


class ConcludeForm(forms.Form):
    findings = forms.CharField(label=_("Findings"), widget=forms.Textarea(attrs={"rows": 3}))
    conclusion = forms.CharField(label=_("Conclusion"), widget=forms.Textarea(attrs={"rows": 2}))


class PlanForm(forms.Form):
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}))
    verification = forms.CharField(
        label=_("Verification standard"), widget=forms.Textarea(attrs={"rows": 2})
    )
    rollback = forms.CharField(label=_("Rollback plan"), widget=forms.Textarea(attrs={"rows": 2}))


class StepForm(forms.Form):
    action = forms.CharField(label=_("Action"), max_length=500, required=False)
    command = forms.CharField(
        label=_("Commands or configuration"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    risk = forms.CharField(label=_("Risk note"), max_length=500, required=False)


StepFormSet = forms.formset_factory(StepForm, extra=2, max_num=50)


class ReviewForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("approve")), ("0", _("reject"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RequirementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    kind = forms.ChoiceField(label=_("Type"), choices=Requirement.Kind.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Requirement.Priority.choices)
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.order_by("name"), required=False
    )


class EvaluationForm(forms.Form):
    technology = forms.CharField(
        label=_("Technical feasibility"), widget=forms.Textarea(attrs={"rows": 2})
    )
    resources = forms.CharField(label=_("Resources"), widget=forms.Textarea(attrs={"rows": 2}))
    cost = forms.CharField(label=_("Cost"), widget=forms.Textarea(attrs={"rows": 2}))
    conclusion = forms.ChoiceField(
        label=_("Conclusion"), choices=Requirement.Conclusion.choices, widget=forms.RadioSelect
    )


class UatForm(forms.Form):
    result = forms.ChoiceField(label=_("UAT result"), choices=Requirement.Uat.choices)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PortalRequirementForm(forms.Form):
    """A customer's requirement for their own organization: the service checks the tickets."""

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What do you need, and why?"), widget=forms.Textarea(attrs={"rows": 5})
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Requirement.Kind.choices)
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=Requirement.Priority.choices,
        initial=Requirement.Priority.P2,
        help_text=_("P0 only when your core business depends on it."),
    )
    tickets = forms.CharField(
        label=_("Related tickets"),
        required=False,
        max_length=500,
        help_text=_("Ticket numbers of your organization, separated by commas or spaces."),
    )

    def clean_tickets(self) -> list[str]:
        raw = self.cleaned_data.get("tickets") or ""
        numbers = [n.strip().upper() for n in raw.replace(",", " ").replace("，", " ").split()]
        return list(dict.fromkeys(n for n in numbers if n))
