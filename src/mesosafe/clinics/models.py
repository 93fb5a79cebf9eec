from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower

from mesosafe.engines.inputs import is_time_zone
from mesosafe.lib.choices import LANGUAGES
from mesosafe.lib.tenancy import ClinicQuerySet


def validate_time_zone(value: str) -> None:
    if not is_time_zone(value):
        raise ValidationError(f"unknown time zone '{value}' (use an IANA name such as Asia/Dubai)")


def validate_ingredients(value: object) -> None:
    """A list of names, as screening matches them against the patient's allergies one by one."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError('a list of ingredient names, e.g. ["ascorbic acid", "hyaluronic acid"]')


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. AE")
    time_zone = models.CharField(max_length=64, default="Asia/Dubai", validators=[validate_time_zone])
    phone = models.CharField(max_length=40, blank=True)
    emergency_number = models.CharField(max_length=20, default="998", help_text="UAE: 998 ambulance")
    default_language = models.CharField(max_length=2, choices=LANGUAGES, default="en")

    def __str__(self) -> str:
        return self.name

    def local_date(self, moment: datetime) -> date:
        """The calendar date of a moment in the clinic's time zone."""
        return moment.astimezone(ZoneInfo(self.time_zone)).date()


class StaffQuerySet(ClinicQuerySet["Staff"]):
    clinic_path = "clinic"


class Staff(models.Model):
    objects = StaffQuerySet.as_manager()

    class Role(models.TextChoices):
        PRACTITIONER = "practitioner"
        CLINIC_ADMIN = "clinic_admin"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=20, choices=Role.choices)
    licence_number = models.CharField(max_length=64, blank=True)
    licence_authority = models.CharField(max_length=120, blank=True)
    licence_expires = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.clinic})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.user.get_username(),
            "role": self.role,
            "licence_number": self.licence_number,
            "licence_authority": self.licence_authority,
            "licence_expires": self.licence_expires,
        }

    def licence_valid_on(self, day: date) -> bool:
        return (
            self.role == self.Role.PRACTITIONER
            and bool(self.licence_number)
            and self.licence_expires is not None
            and self.licence_expires >= day
        )


class ApiKey(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100, default="default")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} for {self.staff}"


class ProductQuerySet(ClinicQuerySet["Product"]):
    clinic_path = "clinic"


class Product(models.Model):
    objects = ProductQuerySet.as_manager()
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="products")
    name = models.CharField(max_length=200)
    manufacturer = models.CharField(max_length=200, blank=True)
    ingredients = models.JSONField(default=list, blank=True, validators=[validate_ingredients])
    approval_reference = models.CharField(max_length=120, blank=True)

    def __str__(self) -> str:
        return self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "manufacturer": self.manufacturer,
            "ingredients": self.ingredients,
            "approval_reference": self.approval_reference,
        }


class BatchQuerySet(ClinicQuerySet["Batch"]):
    clinic_path = "product__clinic"


class Batch(models.Model):
    objects = BatchQuerySet.as_manager()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="batches")
    lot_number = models.CharField(max_length=64)
    expires_on = models.DateField()
    multi_dose_vial = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "batches"
        constraints = (
            # whatever its case: 'dxb-24-001' beside 'DXB-24-001' is one lot (a recall finds both)
            models.UniqueConstraint("product", Lower("lot_number"), name="unique_lot_per_product_any_case"),
        )
        indexes = (models.Index(fields=["lot_number"]),)

    def __str__(self) -> str:
        return f"{self.product} lot {self.lot_number}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "product_id": self.product_id,
            "product": self.product.name,
            "lot_number": self.lot_number,
            "expires_on": self.expires_on,
            "multi_dose_vial": self.multi_dose_vial,
        }


class LoginCounter(models.Model):
    """Staff login attempts under one key (a hashed username, an address, or both) in a fixed window: the
    database's counter when no Redis is configured (mesosafe.clinics.logins), updated in one statement."""

    key = models.CharField(max_length=200, primary_key=True)
    count = models.IntegerField()
    window_ends = models.BigIntegerField(db_index=True)  # Unix seconds
