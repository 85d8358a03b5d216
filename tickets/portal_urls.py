from django.urls import path

from . import portal_views

app_name = "portal"
urlpatterns = [
    path("", portal_views.ticket_list, name="list"),
    path("new/", portal_views.ticket_create, name="create"),
    path("verify/<str:number>/<str:token>/", portal_views.verify_link, name="verify_link"),
    path("<str:number>/", portal_views.ticket_detail, name="detail"),
    path("<str:number>/verify/", portal_views.ticket_verify, name="verify"),
]
