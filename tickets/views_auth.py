"""Sign-in, language choice, the landing redirect and the health check."""

from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from .permissions import user_caps


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    if user_caps(request.user).is_customer:
        return redirect("portal:list")
    return redirect("tickets:queue")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's view, plus the choice is saved on the signed-in user's profile."""
    lang = request.POST.get("language", "")
    if request.user.is_authenticated and check_for_language(lang):
        request.user.language = lang
        request.user.save(update_fields=["language"])
    response = django_set_language(request)
    nxt = request.POST.get("next", "/")
    if isinstance(response, HttpResponseRedirect) and not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}
    ):
        return redirect("home")
    return response


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception as exc:
        checks["cache"] = f"error: {exc.__class__.__name__}"
    try:
        from django_q.models import OrmQ

        checks["queued_tasks"] = OrmQ.objects.count()
    except Exception:
        checks["queued_tasks"] = "n/a"
    ok = all(v == "ok" for k, v in checks.items() if k != "queued_tasks")
    return JsonResponse({"status": "ok" if ok else "error", **checks}, status=200 if ok else 503)
