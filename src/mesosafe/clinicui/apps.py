from django.apps import AppConfig


class ClinicUIConfig(AppConfig):
    name = "mesosafe.clinicui"
    label = "clinicui"
    verbose_name = "Clinic pages"
