"""The clinic's staff, products and batches, and batch recall (staff key)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.common import audit_read, page, responses
from mesosafe.api.schemas import (
    BatchOut,
    BatchPage,
    PageQuery,
    ProductOut,
    ProductPage,
    RecipientPage,
    StaffPage,
)
from mesosafe.clinics import services
from mesosafe.clinics.models import Batch, Product, Staff
from mesosafe.clinics.schemas import BatchIn, ProductIn
from mesosafe.clinics.services import lot_batches
from mesosafe.lib.problems import not_found
from mesosafe.treatments.recall import batch_recipients

router = Router(auth=staff_key, tags=["catalogue"])


@router.get("/staff", response=responses({200: StaffPage}))
def list_staff(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    members = Staff.objects.for_clinic(staff_of(request).clinic_id).select_related("user").order_by("id")
    return page(members, q, Staff.to_dict)


@router.get("/products", response=responses({200: ProductPage}))
def list_products(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    return page(
        Product.objects.for_clinic(staff_of(request).clinic_id).order_by("name", "id"),
        q,
        Product.to_dict,
    )


@router.post("/products", response=responses({201: ProductOut}))
def create_product(request: HttpRequest, body: ProductIn) -> Status[dict[str, Any]]:
    return Status(201, services.create_product(staff_of(request), body).to_dict())


@router.get("/batches", response=responses({200: BatchPage}))
def list_batches(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    batches = Batch.objects.for_clinic(staff_of(request).clinic_id).select_related("product")
    return page(batches.order_by("-expires_on", "id"), q, Batch.to_dict)


@router.post("/batches", response=responses({201: BatchOut}))
def create_batch(request: HttpRequest, body: BatchIn) -> Status[dict[str, Any]]:
    return Status(201, services.create_batch(staff_of(request), body).to_dict())


@router.get("/batches/{lot}/recipients", response=responses({200: RecipientPage}))
def list_recipients(request: HttpRequest, lot: str, q: Query[PageQuery]) -> dict[str, Any]:
    staff = staff_of(request)
    if not lot_batches(staff.clinic, lot).exists():  # matched as the recall page matches it
        raise not_found()
    rows = batch_recipients(staff.clinic, lot)
    result = page(rows, q, lambda row: row.to_dict())
    for item in result["items"]:
        audit_read(request, "recall", [item["treatment_id"]], item["patient_id"])
    return result
