from django.urls import path

from . import views

app_name = "sla"
urlpatterns = [
    path("attention/", views.attention, name="attention"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/acknowledge/", views.task_acknowledge, name="task_acknowledge"),
    path("clocks/<int:pk>/extend/", views.extend, name="extend"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
]
