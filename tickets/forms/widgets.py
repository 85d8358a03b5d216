"""A select rendered in Python: Django renders each option through a template (an include per
option), which makes a page with a few selects spend most of its time in widget templates."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

SELECTED = mark_safe(" selected")


class FastSelect(forms.Select):
    """Same markup as `forms.Select` (options and option groups), without the templates."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        if self.allow_multiple_selected:
            final["multiple"] = True
        chosen = {str(v) for v in self.format_value(value)}
        return format_html("<select{}>{}</select>", flatatt(final), self._options(chosen))

    def _options(self, chosen: set[str]) -> SafeString:
        parts = []
        for value, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(
                    format_html('<optgroup label="{}">{}</optgroup>', value, _plain(label, chosen))
                )
            else:
                parts.append(_plain([(value, label)], chosen))
        return mark_safe("".join(parts))


def _plain(choices: Iterable[tuple[Any, Any]], chosen: set[str]) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            ("" if v is None else v, SELECTED if str("" if v is None else v) in chosen else "", lbl)
            for v, lbl in choices
        ),
    )


def fast_selects(form: forms.BaseForm) -> None:
    """Swap every single-choice `Select` of `form` for a `FastSelect` with the same options."""
    for field in form.fields.values():
        widget = field.widget
        if type(widget) is forms.Select:
            fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
            fast.is_required = widget.is_required
            field.widget = fast
