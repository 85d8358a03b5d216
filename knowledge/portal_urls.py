from django.urls import path

from . import portal_views

app_name = "portal_kb"
urlpatterns = [
    path("", portal_views.kb_list, name="list"),
    path("<int:pk>/", portal_views.kb_detail, name="detail"),
]
