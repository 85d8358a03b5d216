from django.urls import path

from .views import actions, attachments, closure, create, detail, queue, requirements, resolution

app_name = "tickets"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("bulk/", queue.bulk, name="bulk"),
    path("filters/", queue.queue_filters, name="queue_filters"),
    path("options/assignees/", queue.assignee_options, name="assignee_options"),
    path("new/", create.create, name="create"),
    path("new/contacts/", create.contact_options, name="contact_options"),
    path("attachments/<int:pk>/", attachments.download, name="attachment"),
    path("requirements/", requirements.requirement_list, name="requirements"),
    path("requirements/new/", requirements.requirement_create, name="requirement_create"),
    path("requirements/<str:number>/", requirements.requirement_detail, name="requirement"),
    path("<str:number>/", detail.detail, name="detail"),
    path("<str:number>/history/", detail.history, name="history"),
    path("<str:number>/resolution/", detail.resolution_panel, name="resolution_panel"),
    path("<str:number>/sla/", detail.sla_panel, name="sla_panel"),
    path("<str:number>/transition/", actions.transition, name="transition"),
    path("<str:number>/self-test/", closure.selftest, name="selftest"),
    path("<str:number>/close/", closure.close, name="close"),
    path("<str:number>/assign/", actions.assign, name="assign"),
    path("<str:number>/hand-back/", actions.hand_back, name="hand_back"),
    path("<str:number>/follow/", actions.follow, name="follow"),
    path("<str:number>/classify/", actions.classify, name="classify"),
    path("<str:number>/messages/", actions.message, name="message"),
    # Resolution workflow (PROCESS §7, §8)
    path("<str:number>/escalations/", resolution.escalation_request, name="escalation_request"),
    path(
        "<str:number>/escalations/<int:pk>/answer/",
        resolution.escalation_answer,
        name="escalation_answer",
    ),
    path("<str:number>/workarounds/", resolution.workaround_add, name="workaround_add"),
    path(
        "<str:number>/workarounds/<int:pk>/remove/",
        resolution.workaround_remove,
        name="workaround_remove",
    ),
    path(
        "<str:number>/consultations/new/",
        resolution.consultation_convene,
        name="consultation_convene",
    ),
    path(
        "<str:number>/consultations/<int:pk>/conclude/",
        resolution.consultation_conclude,
        name="consultation_conclude",
    ),
    path("<str:number>/plans/new/", resolution.plan_edit, name="plan_create"),
    path("<str:number>/plans/<int:pk>/", resolution.plan_detail, name="plan"),
    path("<str:number>/plans/<int:pk>/edit/", resolution.plan_edit, name="plan_edit"),
    path("<str:number>/plans/<int:pk>/submit/", resolution.plan_submit, name="plan_submit"),
]
