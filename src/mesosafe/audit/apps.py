from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mesosafe.audit"
    label = "audit"
    verbose_name = "Audit"
