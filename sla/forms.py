"""Forms of the SLA pages: they parse input only; the services decide what is allowed."""

from django import forms
from django.utils.translation import gettext_lazy as _

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class ClockExtendForm(forms.Form):
    """A later deadline, in the user's time zone (a `datetime-local` input).

    Reason and “customer was told” are required by `clock_extend`, which refuses with its own
    message; the form does not repeat the rule."""

    new_due = forms.DateTimeField(
        label=_("New deadline"),
        input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)
    customer_informed = forms.BooleanField(
        label=_("The customer was told the reason and the new expected time"), required=False
    )


class TaskAcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("What you did about it")}),
    )
