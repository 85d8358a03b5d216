from django.urls import path

from . import views

app_name = "knowledge"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("new/", views.article_create, name="create"),
    path("maintenance/", views.maintenance, name="maintenance"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("reviews/", views.review_list, name="reviews"),
    path("guides/", views.guides, name="guides"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("tickets/<str:number>/panel/", views.ticket_panel, name="ticket_panel"),
    path("tickets/<str:number>/link/", views.ticket_link, name="ticket_link"),
    path("tickets/<str:number>/unlink/<int:link_id>/", views.ticket_unlink, name="ticket_unlink"),
    path("tickets/<str:number>/root-cause/", views.root_cause_create, name="root_cause"),
    path("<int:pk>/", views.article_detail, name="detail"),
    path("<int:pk>/edit/", views.article_edit, name="edit"),
    path("<int:pk>/transition/", views.article_transition, name="transition"),
    path("<int:pk>/reviewed/", views.article_reviewed, name="reviewed"),
    path("<int:pk>/versions/", views.article_versions, name="versions"),
]
