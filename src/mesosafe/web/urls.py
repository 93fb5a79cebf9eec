import importlib.util

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from mesosafe.api.main import api
from mesosafe.web.views import healthz

handler404 = "mesosafe.web.views.not_found"
handler500 = "mesosafe.web.views.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
]

# The patient and clinic pages (their own issue) are mounted once their apps and URL modules exist.
for prefix, module in (("p/<str:token>/", "mesosafe.portal.urls"), ("clinic/", "mesosafe.clinicui.urls")):
    if module.rsplit(".", 1)[0] in settings.INSTALLED_APPS and importlib.util.find_spec(module):
        urlpatterns.append(path(prefix, include(module)))
