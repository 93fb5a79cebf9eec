from django.apps import AppConfig


class ClinicsConfig(AppConfig):
    name = "mesosafe.clinics"
    label = "clinics"
    verbose_name = "Clinics"
