from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "mesosafe.patients"
    label = "patients"
    verbose_name = "Patients"
