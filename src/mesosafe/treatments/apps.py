from django.apps import AppConfig


class TreatmentsConfig(AppConfig):
    name = "mesosafe.treatments"
    label = "treatments"
    verbose_name = "Treatments"
