"""The portal's reply box and list filter."""

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CustomerStatus
from .common import MultipleFileField


class PortalReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class PortalFilterForm(forms.Form):
    OPEN = "open"

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("all tickets")), (OPEN, _("open tickets")), *CustomerStatus.choices],
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["q"].widget.attrs.update(
            {"class": "form-control form-control-sm", "placeholder": _("Number or title")}
        )
