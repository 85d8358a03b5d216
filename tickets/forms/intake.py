"""Registering a ticket: by an agent, or by a customer on the portal."""

from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import Category, Channel, Organization, Ticket, User
from ..services import TicketData
from ..services.intake import AGENT_CHANNELS
from .common import (
    DateTimeLocalInput,
    MultipleFileField,
    active_categories,
    category_choices,
    emails_field_clean,
)

SCENE_FIELDS = (
    "product_line",
    "product",
    "product_version",
    "device_model",
    "title",
    "description",
    "steps_to_reproduce",
    "error_message",
    "occurred_at",
)


class _TicketDataForm(forms.ModelForm):
    """Shared by the agent's registration form and the portal's; never saved directly."""

    files = MultipleFileField()

    class Meta:
        model = Ticket
        fields: tuple[str, ...] = ()
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "steps_to_reproduce": forms.Textarea(attrs={"rows": 3}),
            "error_message": forms.Textarea(attrs={"rows": 2, "class": "font-monospace"}),
            "occurred_at": DateTimeLocalInput(),
            "received_at": DateTimeLocalInput(),
        }

    def ticket_data(self, **extra: Any) -> TicketData:
        values = {
            name: value
            for name, value in self.cleaned_data.items()
            if name in TicketData.__dataclass_fields__
        }
        for name, value in values.items():
            if value is None and TicketData.__dataclass_fields__[name].default == "":
                values[name] = ""
        return TicketData(**{**values, **extra})


class TicketCreateForm(_TicketDataForm):
    """An agent registers a request received by phone, hotline, IM, chat or email."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in Channel if c in AGENT_CHANNELS],
        initial=Channel.PHONE,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True),
        required=False,
        help_text=_("Leave empty to use the suggestion from the keyword library."),
    )

    class Meta(_TicketDataForm.Meta):
        fields = (
            "channel",
            "received_at",
            "request_type",
            "organization",
            "contact",
            "contact_name",
            "contact_phone",
            "contact_email",
            "cc_emails",
            *SCENE_FIELDS,
            "impact",
            "urgency",
            "impact_scope",
            "category",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["received_at"].help_text = _(
            "When the call ended or the message arrived; may be earlier than now."
        )
        self.fields["organization"].queryset = Organization.objects.filter(active=True)
        org_id = self._organization_id()
        self.fields["contact"].queryset = (
            User.objects.filter(organization_id=org_id, is_active=True).order_by("username")
            if org_id
            else User.objects.none()
        )
        self.fields["contact"].help_text = _(
            "A registered contact of the organization; or enter name and phone below."
        )
        self.fields["category"].choices = category_choices(active_categories())
        self.fields["organization"].widget.attrs.update(
            {
                "hx-get": reverse("tickets:contact_options"),
                "hx-target": "#id_contact",
                "hx-trigger": "change",
            }
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Request"),
                Row(
                    Column("channel", css_class="col-md-3"),
                    Column("received_at", css_class="col-md-3"),
                    Column("request_type", css_class="col-md-3"),
                    Column("category", css_class="col-md-3"),
                ),
            ),
            Fieldset(
                _("Customer"),
                Row(
                    Column("organization", css_class="col-md-4"),
                    Column("contact", css_class="col-md-4"),
                    Column("cc_emails", css_class="col-md-4"),
                ),
                Row(
                    Column("contact_name", css_class="col-md-4"),
                    Column("contact_phone", css_class="col-md-4"),
                    Column("contact_email", css_class="col-md-4"),
                ),
            ),
            Fieldset(
                _("Problem scene"),
                Row(
                    Column("product_line", css_class="col-md-3"),
                    Column("product", css_class="col-md-3"),
                    Column("product_version", css_class="col-md-3"),
                    Column("device_model", css_class="col-md-3"),
                ),
                "title",
                "description",
                Row(
                    Column("steps_to_reproduce", css_class="col-md-6"),
                    Column("error_message", css_class="col-md-6"),
                ),
                Row(
                    Column("occurred_at", css_class="col-md-3"),
                    Column("impact", css_class="col-md-3"),
                    Column("urgency", css_class="col-md-3"),
                    Column("impact_scope", css_class="col-md-3"),
                ),
                "files",
            ),
        )

    def _organization_id(self) -> int | None:
        raw = self.data.get(self.add_prefix("organization")) if self.is_bound else None
        try:
            return int(raw) if raw else None
        except (TypeError, ValueError):
            return None

    def clean_cc_emails(self) -> str:
        return emails_field_clean(self.cleaned_data.get("cc_emails") or "")


class PortalTicketForm(_TicketDataForm):
    """A customer opens a ticket for their own organization."""

    class Meta(_TicketDataForm.Meta):
        fields = (
            "title",
            "description",
            "request_type",
            "product",
            "product_version",
            "device_model",
            "steps_to_reproduce",
            "error_message",
            "occurred_at",
            "impact",
            "urgency",
        )
        labels = {"description": _("What happens? (symptom)")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "title",
            "description",
            Row(
                Column("request_type", css_class="col-md-4"),
                Column("impact", css_class="col-md-4"),
                Column("urgency", css_class="col-md-4"),
            ),
            Row(
                Column("product", css_class="col-md-4"),
                Column("product_version", css_class="col-md-4"),
                Column("device_model", css_class="col-md-4"),
            ),
            Row(
                Column("steps_to_reproduce", css_class="col-md-6"),
                Column("error_message", css_class="col-md-6"),
            ),
            Row(Column("occurred_at", css_class="col-md-4")),
            "files",
        )
