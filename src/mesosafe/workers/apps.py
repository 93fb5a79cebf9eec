from django.apps import AppConfig


class WorkersConfig(AppConfig):
    name = "mesosafe.workers"
    label = "workers"
    verbose_name = "Background workers"

    def ready(self) -> None:
        from mesosafe.lib.queueing import claim_by_database_clock

        claim_by_database_clock()
