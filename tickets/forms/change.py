"""Forms of the change approval (PROCESS §9): they parse input, the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import ChangeApproval, User
from .common import DateTimeLocalInput


class ChangeForm(forms.ModelForm):
    class Meta:
        model = ChangeApproval
        fields = [
            "environment",
            "window_start",
            "window_end",
            "backup_what",
            "backup_where",
            "backup_by",
            "backup_at",
            "test_verification",
            "risk",
            "rollback",
        ]
        widgets = {
            "window_start": DateTimeLocalInput(),
            "window_end": DateTimeLocalInput(),
            "backup_at": DateTimeLocalInput(),
            "backup_what": forms.Textarea(attrs={"rows": 2}),
            "test_verification": forms.Textarea(attrs={"rows": 2}),
            "risk": forms.Textarea(attrs={"rows": 2}),
            "rollback": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "test_verification": _("Required for a change to production (a major change)."),
        }


class SignForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class RejectForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What must change before you can sign."),
    )


class ExecuteForm(forms.Form):
    step = forms.CharField(label=_("Step executed"), widget=forms.Textarea(attrs={"rows": 2}))
    before = forms.CharField(label=_("Value before"), required=False)
    after = forms.CharField(label=_("Value after"), required=False)


class FinishForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ChangeApproval.Outcome.choices)
    note = forms.CharField(label=_("Note on the outcome"), required=False)


class RequestSignatureForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Customer contact"), queryset=User.objects.none())

    def __init__(self, *args: object, organization_id: int, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = User.objects.filter(
            organization_id=organization_id, is_active=True
        ).exclude(email="")
