from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from tickets import views_auth

urlpatterns = [
    path("", views_auth.home, name="home"),
    path("accounts/login/", views_auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", views_auth.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", views_auth.set_language, name="set_language"),
    path("healthz", views_auth.healthz, name="healthz"),
    path("tickets/", include("tickets.urls")),
    path("portal/kb/", include("knowledge.portal_urls")),
    path("portal/", include("tickets.portal_urls")),
    path("knowledge/", include("knowledge.urls")),
    path("sla/", include("sla.urls")),
    path("quality/", include("quality.urls")),
    path("api/v1/", include("helpdesk.api_router")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
