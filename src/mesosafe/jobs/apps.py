from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "mesosafe.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
