from django.urls import path

from . import portal_views
from .views import change, portal_requirements

app_name = "portal"
urlpatterns = [
    path("", portal_views.ticket_list, name="list"),
    path("new/", portal_views.ticket_create, name="create"),
    path("changes/<int:pk>/", change.portal_change, name="change"),
    path("changes/sign/<str:token>/", change.change_sign_link, name="change_sign_link"),
    path("requirements/", portal_requirements.requirement_list, name="requirements"),
    path("requirements/new/", portal_requirements.requirement_create, name="requirement_create"),
    path(
        "requirements/<str:number>/",
        portal_requirements.requirement_detail,
        name="requirement",
    ),
    path("verify/<str:number>/<str:token>/", portal_views.verify_link, name="verify_link"),
    path("<str:number>/", portal_views.ticket_detail, name="detail"),
    path("<str:number>/verify/", portal_views.ticket_verify, name="verify"),
]
