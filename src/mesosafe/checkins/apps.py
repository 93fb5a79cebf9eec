from django.apps import AppConfig


class CheckinsConfig(AppConfig):
    name = "mesosafe.checkins"
    label = "checkins"
    verbose_name = "Check-ins"
