from django.urls import path

from .views import actions, attachments, create, detail, queue

app_name = "tickets"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("bulk/", queue.bulk, name="bulk"),
    path("filters/", queue.queue_filters, name="queue_filters"),
    path("options/assignees/", queue.assignee_options, name="assignee_options"),
    path("new/", create.create, name="create"),
    path("new/contacts/", create.contact_options, name="contact_options"),
    path("attachments/<int:pk>/", attachments.download, name="attachment"),
    path("<str:number>/", detail.detail, name="detail"),
    path("<str:number>/history/", detail.history, name="history"),
    path("<str:number>/transition/", actions.transition, name="transition"),
    path("<str:number>/assign/", actions.assign, name="assign"),
    path("<str:number>/hand-back/", actions.hand_back, name="hand_back"),
    path("<str:number>/follow/", actions.follow, name="follow"),
    path("<str:number>/classify/", actions.classify, name="classify"),
    path("<str:number>/messages/", actions.message, name="message"),
]
