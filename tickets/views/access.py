"""Who may open which half of the web UI, and how a service's refusal reaches the page."""

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from ..errors import DomainError
from ..permissions import user_caps

View = TypeVar("View", bound=Callable[..., HttpResponse])


def engineer_required(view: View) -> View:
    """Our people only; customers are sent to the portal."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caps = user_caps(request.user)
        if caps.is_customer:
            return redirect("portal:list")
        if not caps.is_engineer_ui:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def customer_required(view: View) -> View:
    """Customer contacts only; our people are sent to the engineer UI."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caps = user_caps(request.user)
        if not caps.is_customer:
            if caps.is_engineer_ui:
                return redirect("tickets:queue")
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def run_service(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Call one service; its refusal becomes an error message, never a 500."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def form_errors_to_messages(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def safe_next(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return nxt
    return default
