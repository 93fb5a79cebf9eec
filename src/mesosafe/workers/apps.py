from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "mesosafe.workers"
    label = "workers"
    verbose_name = "Background workers"
