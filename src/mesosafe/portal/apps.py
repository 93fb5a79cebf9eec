from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "mesosafe.portal"
    label = "portal"
    verbose_name = "Patient pages"
