"""The quality pages: the customer's survey (a signed link, no login), the supervisors'
follow-up queue and forms, and the service desk's overdue list. Thin: parse the input, call one
selector or service, render or redirect; a service's refusal becomes a message on the page."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from tickets.errors import DomainError
from tickets.pagination import paginate, parse_page
from tickets.permissions import user_caps
from tickets.selectors import ticket_visible_to
from tickets.views.access import (
    customer_required,
    engineer_required,
    form_errors_to_messages,
    run_service,
)

from . import selectors, services
from .forms import DigestPreferenceForm, FollowUpCloseForm, RevisitForm, SurveyAnswerForm
from .models import ContactPreference, Survey
from .services.digest import overdue_tickets
from .services.followups import can_handle
from .services.links import SurveyLinkError

PAGE_SIZE = 25


def _link_error(request: HttpRequest, exc: SurveyLinkError) -> HttpResponse:
    return render(
        request,
        "quality/survey_error.html",
        {"message": exc.message, "reason": exc.reason},
        status=exc.status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, number: str, token: str) -> HttpResponse:
    """Anyone holding the emailed link answers once; a bad link changes nothing."""
    try:
        survey = services.survey_from_token(number=number, token=token)
    except SurveyLinkError as exc:
        return _link_error(request, exc)
    _contact_language(request, survey)
    form = SurveyAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(number=number, token=token, **form.cleaned_data)
        except SurveyLinkError as exc:
            return _link_error(request, exc)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("quality:survey_thanks")
    status = 400 if form.is_bound else 200
    return render(request, "quality/survey.html", {"form": form, "survey": survey}, status=status)


def _contact_language(request: HttpRequest, survey: Survey) -> None:
    """The survey speaks the contact's language unless the visitor chose one (the switcher)."""
    lang = survey.contact.language if survey.contact_id and survey.contact else ""
    chosen = settings.LANGUAGE_COOKIE_NAME in request.COOKIES or request.user.is_authenticated
    if lang and not chosen:
        translation.activate(lang)
        request.LANGUAGE_CODE = translation.get_language()


def survey_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "quality/survey_thanks.html")


@engineer_required
def followup_queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "open")
    if state not in ("open", "revisit", "closed"):
        state = "open"
    found = selectors.followup_queue(user=request.user, state=state)
    page = paginate(found, number=parse_page(request.GET.get("page")), size=PAGE_SIZE)
    return render(
        request, "quality/followups.html", {"page": page, "state": state, "now": timezone.now()}
    )


def _followup_or_404(request: HttpRequest, pk: int):
    followup = selectors.followup_get_for_user(user=request.user, pk=pk)
    if followup is None:
        raise Http404
    return followup


@engineer_required
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _followup_or_404(request, pk)
    revisit = getattr(followup, "revisit", None)
    context = {
        "followup": followup,
        "answer": followup.answer,
        "revisit": revisit,
        "can_handle": can_handle(request.user, followup),
        "close_form": FollowUpCloseForm(),
        "revisit_form": RevisitForm(),
        "now": timezone.now(),
    }
    return render(request, "quality/followup.html", context)


@engineer_required
@require_POST
def followup_start(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _followup_or_404(request, pk)
    run_service(
        request,
        lambda: services.followup_start(followup_id=followup.pk, actor=request.user),
        _("Follow-up started: %(number)s.") % {"number": followup.ticket.number},
    )
    return redirect("quality:followup", pk=followup.pk)


@engineer_required
@require_POST
def followup_close(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _followup_or_404(request, pk)
    form = FollowUpCloseForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("quality:followup", pk=followup.pk)
    run_service(
        request,
        lambda: services.followup_close(
            followup_id=followup.pk, actor=request.user, **form.cleaned_data
        ),
        _("Follow-up closed; the customer has been told and a revisit is scheduled."),
    )
    return redirect("quality:followup", pk=followup.pk)


@engineer_required
@require_POST
def revisit_record(request: HttpRequest, pk: int) -> HttpResponse:
    followup = _followup_or_404(request, pk)
    revisit = getattr(followup, "revisit", None)
    if revisit is None:
        messages.error(request, _("This follow-up has no revisit yet."))
        return redirect("quality:followup", pk=followup.pk)
    form = RevisitForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return redirect("quality:followup", pk=followup.pk)
    run_service(
        request,
        lambda: services.revisit_record(
            revisit_id=revisit.pk, actor=request.user, **form.cleaned_data
        ),
        _("Revisit recorded."),
    )
    return redirect("quality:followup", pk=followup.pk)


@engineer_required
def overdue(request: HttpRequest) -> HttpResponse:
    """The service desk's daily review: open tickets past their nearest deadline."""
    caps = user_caps(request.user)
    if not (caps.assign or caps.view_all):
        raise PermissionDenied
    visible = ticket_visible_to(request.user).values("pk")
    found = overdue_tickets().filter(pk__in=visible)
    page = paginate(found, number=parse_page(request.GET.get("page")), size=50)
    return render(request, "quality/overdue.html", {"page": page, "now": timezone.now()})


@customer_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The customer contact opts in to (or out of) the daily progress digest."""
    current = ContactPreference.objects.filter(contact=request.user).first()
    initial = {"daily_digest": bool(current and current.daily_digest)}
    form = DigestPreferenceForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["daily_digest"]
        run_service(
            request,
            lambda: services.contact_digest_set(contact=request.user, enabled=enabled),
            _("Daily digest turned on.") if enabled else _("Daily digest turned off."),
        )
        return redirect("quality:preferences")
    return render(request, "quality/preferences.html", {"form": form})
