"""Engineer UI for verification and closure (PROCESS §12): parse the form, call one service."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import selectors
from ..forms.closure import ClosureForm, SelfTestForm
from ..models import SolutionPlan, Status, Ticket, User
from ..services import closure
from .access import engineer_required, form_errors_to_messages, run_service


def closure_context(ticket: Ticket, user: User) -> dict:
    """What the ticket page shows of §12 for the current round."""
    rnd = ticket.reopen_count
    plan = ticket.plans.filter(state=SolutionPlan.State.APPROVED).first()
    return {
        "closure_plan": plan,
        "closure_selftest": ticket.self_tests.filter(round=rnd).first(),
        "closure_verification": ticket.verifications.filter(round=rnd).first(),
        "closure_record": ticket.closures.filter(round=rnd).first(),
        "selftest_form": SelfTestForm()
        if ticket.status in (Status.IN_PROGRESS, Status.TESTING, Status.RESOLVED)
        else None,
        "closure_form": ClosureForm(initial={"people": [user.pk]})
        if ticket.status == Status.RESOLVED
        else None,
    }


def _back(ticket: Ticket) -> HttpResponse:
    return redirect(ticket.get_absolute_url() + "#closure")


@engineer_required
@require_POST
def selftest(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = SelfTestForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(ticket)
    run_service(
        request,
        lambda: closure.selftest_record(
            ticket_id=ticket.pk, actor=request.user, **form.cleaned_data
        ),
        _("Self-test recorded."),
    )
    return _back(ticket)


@engineer_required
@require_POST
def close(request: HttpRequest, number: str) -> HttpResponse:
    ticket = selectors.ticket_get_for_user(user=request.user, number=number)
    form = ClosureForm(request.POST)
    if not form.is_valid():
        form_errors_to_messages(request, form)
        return _back(ticket)
    run_service(
        request,
        lambda: closure.ticket_close(
            ticket_id=ticket.pk, actor=request.user, **form.service_kwargs()
        ),
        _("Ticket closed."),
    )
    return _back(ticket)
