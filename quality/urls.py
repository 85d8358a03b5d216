from django.urls import path

from . import views

app_name = "quality"
urlpatterns = [
    path("survey/thanks/", views.survey_thanks, name="survey_thanks"),
    path("survey/<str:number>/<str:token>/", views.survey_answer, name="survey_answer"),
    path("followups/", views.followup_queue, name="followups"),
    path("followups/<int:pk>/", views.followup_detail, name="followup"),
    path("followups/<int:pk>/start/", views.followup_start, name="followup_start"),
    path("followups/<int:pk>/close/", views.followup_close, name="followup_close"),
    path("followups/<int:pk>/revisit/", views.revisit_record, name="revisit_record"),
    path("overdue/", views.overdue, name="overdue"),
    path("preferences/", views.preferences, name="preferences"),
]
