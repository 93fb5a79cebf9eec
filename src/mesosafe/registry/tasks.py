"""Registry reports are built by `mesosafe worker`: the analysis takes seconds to minutes."""

from __future__ import annotations

from django_tasks import task

from mesosafe.lib.queueing import REGISTRY_REPORT
from mesosafe.registry import services
from mesosafe.registry.models import RegistryReport


@task(priority=REGISTRY_REPORT)  # minutes of work: after every e-mail
def build_registry_report(report_id: int) -> str:
    report = RegistryReport.objects.get(pk=report_id)
    return services.build(report).status
