import uuid

from django import template

register = template.Library()


@register.simple_tag
def kb_form_token() -> str:
    """A fresh token per rendered ticket form: suggestion clicks are grouped by it."""
    return str(uuid.uuid4())
