from django.urls import path

from mesosafe.registry import views

app_name = "registry"

urlpatterns = [
    path("", views.home, name="home"),
    path("reports/", views.request_report, name="request"),
    path("reports/<int:pk>/status", views.report_status, name="status"),
    path("reports/<int:pk>/<str:name>", views.report_file, name="file"),
]
