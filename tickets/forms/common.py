"""Fields and helpers shared by the UI forms."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ..errors import DomainError
from ..models import Category, User

BLANK = "---------"
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the services check type, size and count."""

    widget = MultipleFileInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Attachments"))
        kwargs.setdefault(
            "help_text", _("Screenshots, logs, PDFs or archives; several files at once.")
        )
        super().__init__(*args, **kwargs)
        self.widget.attrs["multiple"] = True

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class IdListField(forms.Field):
    """A list of integer ids posted under one name (checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise ValidationError(_("Invalid selection."), code="invalid") from None


def apply_domain_error(form: forms.BaseForm, exc: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def category_choices(
    categories: Iterable[Category], *, blank: str | None = BLANK, full: bool = True
) -> list[tuple[Any, Any]]:
    """Main categories as option groups, each with itself first and then its sub-categories
    (labelled "main / sub" when `full`, so that a closed select still shows both).

    `categories` must be loaded with `select_related("parent")`.
    """
    mains: dict[int, Category] = {}
    children: dict[int, list[Category]] = {}
    for cat in categories:
        if cat.parent_id is None:
            mains[cat.pk] = cat
        else:
            children.setdefault(cat.parent_id, []).append(cat)
    orphans = [c for pid, kids in children.items() if pid not in mains for c in kids]
    choices: list[tuple[Any, Any]] = [("", blank)] if blank is not None else []
    for main in sorted(mains.values(), key=lambda c: (c.position, c.code)):
        kids = sorted(children.get(main.pk, []), key=lambda c: (c.position, c.code))
        group = [(main.pk, main.label)] + [
            (c.pk, f"{main.label} / {c.label}" if full else c.label) for c in kids
        ]
        choices.append((main.label, group))
    choices.extend((c.pk, c.full_label) for c in orphans)
    return choices


def active_categories() -> list[Category]:
    return list(Category.objects.filter(active=True).select_related("parent"))


def user_choices(users: Iterable[User], *, blank: str = BLANK) -> list[tuple[Any, str]]:
    return [("", blank), *((u.pk, str(u)) for u in users)]


def emails_field_clean(value: str) -> str:
    addresses = [a.strip() for a in value.replace(";", ",").replace("，", ",").split(",")]
    for address in addresses:
        if address:
            try:
                validate_email(address)
            except ValidationError:
                raise ValidationError(
                    _("“%(a)s” is not an email address."), params={"a": address}
                ) from None
    return ", ".join(a for a in addresses if a)
