from django.contrib import admin
from django.urls import include, path

from mesosafe.api.main import api
from mesosafe.clinicui.login import AdminLoginForm, admin_login
from mesosafe.web.views import healthz, healthz_worker

admin.site.login_form = AdminLoginForm  # throttled, as the clinic pages' login is

handler404 = "mesosafe.web.views.not_found"
handler500 = "mesosafe.web.views.server_error"

urlpatterns = [
    path("admin/login/", admin_login),  # before the admin's own: a throttled attempt is a 429
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("healthz/worker", healthz_worker, name="healthz_worker"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("p/<str:token>/", include("mesosafe.portal.urls")),
    path("clinic/", include("mesosafe.clinicui.urls")),
    path("registry/", include("mesosafe.registry.urls")),
]
