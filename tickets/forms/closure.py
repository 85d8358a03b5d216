"""Forms of verification and closure (PROCESS §12): they parse input, the services decide."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import User


class SelfTestForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Self-test result"),
        choices=[("1", _("passed")), ("0", _("failed"))],
        coerce=lambda v: v == "1",
    )
    notes = forms.CharField(
        label=_("What was tested against the verification standard"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class VerificationForm(forms.Form):
    solved = forms.TypedChoiceField(
        label=_("Is the problem solved?"),
        choices=[("1", _("Yes, it is solved")), ("0", _("No, it is not solved"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ClosureForm(forms.Form):
    summary = forms.CharField(label=_("Process summary"), widget=forms.Textarea(attrs={"rows": 3}))
    solution = forms.CharField(label=_("Solution"), widget=forms.Textarea(attrs={"rows": 3}))
    people = forms.ModelMultipleChoiceField(
        label=_("People involved"), queryset=User.objects.none()
    )
    created_articles = forms.CharField(
        label=_("Knowledge articles created (ids, comma-separated)"), required=False
    )
    updated_articles = forms.CharField(
        label=_("Knowledge articles updated (ids, comma-separated)"), required=False
    )
    no_article_reason = forms.CharField(
        label=_("No article: reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = User.objects.filter(
            is_active=True, organization__isnull=True
        ).order_by("username")

    def _ids(self, name: str) -> list[int]:
        raw = self.cleaned_data.get(name) or ""
        try:
            return [int(p) for p in raw.replace(";", ",").split(",") if p.strip()]
        except ValueError:
            raise forms.ValidationError(_("Enter article numbers separated by commas.")) from None

    def clean_created_articles(self) -> list[int]:
        return self._ids("created_articles")

    def clean_updated_articles(self) -> list[int]:
        return self._ids("updated_articles")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "summary": data["summary"],
            "solution": data["solution"],
            "people": [u.pk for u in data["people"]],
            "articles": [(a, "created") for a in data["created_articles"]]
            + [(a, "updated") for a in data["updated_articles"]],
            "no_article_reason": data["no_article_reason"],
        }
