from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from mesosafe.audit.services import record
from mesosafe.clinics.models import ApiKey, Batch, Clinic, Product, Staff
from mesosafe.clinics.services import batch_recipients


@admin.register(Clinic)
class ClinicAdmin(admin.ModelAdmin[Clinic]):
    list_display = ("name", "country", "time_zone", "phone", "emergency_number", "default_language")
    search_fields = ("name",)


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin[Staff]):
    list_display = ("user", "clinic", "role", "licence_number", "licence_authority", "licence_expires")
    list_filter = ("clinic", "role")
    search_fields = ("user__username", "licence_number")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin[ApiKey]):
    list_display = ("staff", "name", "created_at", "revoked_at")
    readonly_fields = ("key_hash", "created_at")
    fields = ("staff", "name", "key_hash", "created_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued by `mesosafe manage` or the demo, shown once


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = ("name", "manufacturer", "clinic", "approval_reference")
    list_filter = ("clinic",)
    search_fields = ("name", "manufacturer")


@admin.action(description="Show recipients (batch recall)")
def show_recipients(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Batch]) -> TemplateResponse:
    groups = []
    for batch in queryset.select_related("product__clinic"):
        rows = batch_recipients(batch.product.clinic, batch.lot_number)
        groups.append({"batch": batch, "rows": rows})
        if rows:
            record(batch.product.clinic_id, request.user, "read", "recall", [r.treatment_id for r in rows])
    context = {**modeladmin.admin_site.each_context(request), "title": "Batch recall", "groups": groups}
    return TemplateResponse(request, "clinics/recall.html", context)


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin[Batch]):
    list_display = ("lot_number", "product", "expires_on", "multi_dose_vial")
    list_filter = ("product__clinic", "multi_dose_vial")
    search_fields = ("lot_number", "product__name")
    actions = (show_recipients,)
