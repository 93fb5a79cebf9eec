from django.apps import AppConfig


class ComplicationsConfig(AppConfig):
    name = "mesosafe.complications"
    label = "complications"
    verbose_name = "Complications"
