from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from mesosafe.audit.services import record
from mesosafe.clinics.models import ApiKey, Batch, Clinic, Product, Staff
from mesosafe.treatments.recall import batch_recipients

# How each model reaches its clinic's id, for admin users who are not superusers.
CLINIC_OF: dict[type[Model], str] = {
    Clinic: "pk",
    Staff: "clinic_id",
    ApiKey: "staff__clinic_id",
    Product: "clinic_id",
    Batch: "product__clinic_id",
}


def own_clinic(request: HttpRequest, rows: QuerySet[Any]) -> QuerySet[Any]:
    """Every row for a superuser (the operator); otherwise only the rows of the user's own clinic."""
    if request.user.is_superuser:
        return rows
    clinic_id = (
        Staff.objects.filter(user_id=int(request.user.pk or 0)).values_list("clinic_id", flat=True).first()
    )
    return rows.filter(**{CLINIC_OF[rows.model]: clinic_id}) if clinic_id else rows.none()


# Seeing every clinic's reports (the registry's permission, by name: clinics sits below registry)
REGISTRY = Q(user_permissions__codename="view_registry", user_permissions__content_type__app_label="registry")
REGISTRY_BY_GROUP = Q(
    groups__permissions__codename="view_registry", groups__permissions__content_type__app_label="registry"
)


def joinable(users: QuerySet[User]) -> QuerySet[User]:
    """Accounts a clinic's admin may make its staff: never an operator (superuser) or a registry analyst,
    whom a clinic would otherwise give its patients' identities."""
    return users.exclude(is_superuser=True).exclude(REGISTRY).exclude(REGISTRY_BY_GROUP).distinct()


class OwnClinicAdmin(admin.ModelAdmin[Any]):
    """Staff given admin rights manage their own clinic only: lists, pages and the choices in forms."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return own_clinic(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model in CLINIC_OF:
            kwargs["queryset"] = own_clinic(request, db_field.related_model._default_manager.all())
        elif db_field.name == "user" and not request.user.is_superuser:  # accounts not yet of another clinic
            own = own_clinic(request, Staff.objects.all())
            kwargs["queryset"] = joinable(User.objects.filter(Q(staff__isnull=True) | Q(staff__in=own)))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Clinic)
class ClinicAdmin(OwnClinicAdmin):
    list_display = ("name", "country", "time_zone", "phone", "emergency_number", "default_language")
    search_fields = ("name",)


@admin.register(Staff)
class StaffAdmin(OwnClinicAdmin):
    list_display = ("user", "clinic", "role", "licence_number", "licence_authority", "licence_expires")
    list_filter = (("clinic", admin.RelatedOnlyFieldListFilter), "role")
    search_fields = ("user__username", "licence_number")


@admin.register(ApiKey)
class ApiKeyAdmin(OwnClinicAdmin):
    list_display = ("staff", "name", "created_at", "revoked_at")
    readonly_fields = ("key_hash", "created_at")
    fields = ("staff", "name", "key_hash", "created_at", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued by `mesosafe manage` or the demo, shown once


@admin.register(Product)
class ProductAdmin(OwnClinicAdmin):
    list_display = ("name", "manufacturer", "clinic", "approval_reference")
    list_filter = (("clinic", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "manufacturer")


@admin.action(description="Show recipients (batch recall)")
def show_recipients(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Batch]) -> TemplateResponse:
    groups = []
    for batch in queryset.select_related("product__clinic"):
        rows = batch_recipients(batch.product.clinic, batch.lot_number)
        groups.append({"batch": batch, "rows": rows})
        for row in rows:
            record(
                batch.product.clinic_id, request.user, "read", "recall", [row.treatment_id], row.patient_id
            )
    context = {**modeladmin.admin_site.each_context(request), "title": "Batch recall", "groups": groups}
    return TemplateResponse(request, "clinics/recall.html", context)


@admin.register(Batch)
class BatchAdmin(OwnClinicAdmin):
    list_display = ("lot_number", "product", "expires_on", "multi_dose_vial")
    list_filter = (("product__clinic", admin.RelatedOnlyFieldListFilter), "multi_dose_vial")
    search_fields = ("lot_number", "product__name")
    actions = (show_recipients,)
