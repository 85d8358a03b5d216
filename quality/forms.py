"""Forms of the quality pages: they parse input only; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

SCORES = [(n, str(n)) for n in range(1, 6)]


def _score(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=SCORES, coerce=int, widget=forms.RadioSelect, required=True
    )


class SurveyAnswerForm(forms.Form):
    resolution_score = _score(_("How well was your problem solved?"))
    attitude_score = _score(_("How was our service attitude?"))
    speed_score = _score(_("How fast did we respond?"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class FollowUpCloseForm(forms.Form):
    cause = forms.CharField(
        label=_("Cause of the dissatisfaction"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    remedy = forms.CharField(
        label=_("Remedy"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    customer_message = forms.CharField(
        label=_("Message to the customer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Emailed to the customer's contact: it closes the loop."),
    )


class RevisitForm(forms.Form):
    problem_solved = forms.TypedChoiceField(
        label=_("Does the problem stay solved?"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    unmet_needs = forms.CharField(
        label=_("Unmet needs"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class DigestPreferenceForm(forms.Form):
    daily_digest = forms.BooleanField(
        label=_("Email me a daily progress digest of our open tickets"),
        required=False,
        help_text=_("Sent on working days before 17:00 for normal-priority tickets."),
    )
