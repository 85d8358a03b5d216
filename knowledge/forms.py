"""UI forms of the knowledge base: input only; the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tickets.forms.common import (
    DATETIME_LOCAL,
    DateTimeLocalInput,
    active_categories,
    category_choices,
)
from tickets.models import Category, Organization, Tag

from .models import Article, ArticleStatus, Audience


def _category_field(required: bool = False) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Category"),
        required=required,
        coerce=int,
        empty_value=None,
        choices=category_choices(active_categories()),
    )


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    symptom = forms.CharField(
        label=_("Symptom"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("Markdown. Symptom and solution are needed before review."),
    )
    diagnosis = forms.CharField(
        label=_("Diagnosis approach"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    solution = forms.CharField(
        label=_("Solution"), widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    prevention = forms.CharField(
        label=_("Prevention advice"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    product = forms.CharField(label=_("Product"), max_length=100, required=False)
    product_version = forms.CharField(label=_("Version"), max_length=60, required=False)
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    tags = forms.ModelMultipleChoiceField(
        label=_("Tags"), queryset=Tag.objects.all(), required=False
    )
    source_tickets = forms.CharField(
        label=_("Source tickets"),
        required=False,
        help_text=_("Ticket numbers separated by spaces or commas."),
    )
    reason = forms.CharField(label=_("Change note"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = _category_field()
        self.order_fields(
            ["title", "symptom", "diagnosis", "solution", "prevention", "product",
             "product_version", "category", "tags", "audience", "source_tickets", "reason"]
        )  # fmt: skip

    def ticket_numbers(self) -> list[str]:
        text = self.cleaned_data.get("source_tickets", "")
        return [n for n in text.replace(",", " ").split() if n]

    def article_data(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in (
            "title", "symptom", "diagnosis", "solution", "prevention", "product",
            "product_version", "audience")}  # fmt: skip
        category_id = self.cleaned_data.get("category")
        data["category"] = Category.objects.filter(pk=category_id).first() if category_id else None
        return data

    @staticmethod
    def initial_from(article: Article) -> dict[str, Any]:
        return {
            **{
                k: getattr(article, k)
                for k in (
                    "title",
                    "symptom",
                    "diagnosis",
                    "solution",
                    "prevention",
                    "product",
                    "product_version",
                    "audience",
                )
            },
            "category": article.category_id,
            "tags": list(article.tags.all()),
            "source_tickets": " ".join(t.number for t in article.source_tickets.all()),
        }


class ArticleFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any status")), *ArticleStatus.choices]
    )
    audience = forms.ChoiceField(
        label=_("Audience"), required=False, choices=[("", _("any audience")), *Audience.choices]
    )
    product_version = forms.CharField(label=_("Version"), required=False, max_length=60)
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.all(), required=False)
    overdue = forms.BooleanField(label=_("Review overdue"), required=False)
    mine = forms.BooleanField(label=_("Mine"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"] = _category_field()
        self.order_fields(["q", "status", "audience", "category", "product_version", "tag"])
        self.fields["category"].choices = category_choices(
            active_categories(), blank=_("any category")
        )
        self.fields["tag"].empty_label = _("any tag")
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            widget.attrs["class"] = css


class PortalSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Move to"), choices=ArticleStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=100, required=False)


class LinkForm(forms.Form):
    article = forms.IntegerField(label=_("Article number"), min_value=1)
    relation = forms.ChoiceField(label=_("Relation"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .models import Relation

        super().__init__(*args, **kwargs)
        self.fields["relation"].choices = Relation.choices


class RootCauseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    timeline = forms.CharField(
        label=_("Timeline"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}))
    impact = forms.CharField(
        label=_("Impact"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    corrective_actions = forms.CharField(
        label=_("Corrective and preventive actions"), widget=forms.Textarea(attrs={"rows": 3})
    )
    participants = forms.CharField(label=_("Participants"), max_length=300, required=False)
    articles = forms.CharField(
        label=_("Articles produced"),
        required=False,
        help_text=_("Article numbers, separated by spaces."),
    )

    def article_ids(self) -> list[int]:
        return [
            int(x)
            for x in self.cleaned_data.get("articles", "").replace(",", " ").split()
            if x.isdigit()
        ]


class CaseReviewRecordForm(forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL],
    )
    notes = forms.CharField(
        label=_("Meeting minutes"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class PitfallGuideForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    introduction = forms.CharField(
        label=_("Introduction"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    articles = forms.CharField(
        label=_("Articles"),
        help_text=_("Numbers of public, published articles, separated by spaces."),
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Organizations"), queryset=Organization.objects.filter(active=True)
    )

    def article_ids(self) -> list[int]:
        text = self.cleaned_data.get("articles", "").replace(",", " ")
        return [int(x) for x in text.split() if x.isdigit()]
