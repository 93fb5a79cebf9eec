"""The clinic's staff, products and batches, and batch recall (staff key)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mesosafe.api import out
from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.common import page, responses
from mesosafe.api.schemas import (
    BatchIn,
    BatchOut,
    BatchPage,
    PageQuery,
    ProductIn,
    ProductOut,
    ProductPage,
    RecipientPage,
    StaffPage,
)
from mesosafe.audit.services import record
from mesosafe.clinics.models import Batch, Product, Staff
from mesosafe.clinics.services import batch_recipients, lot_batches
from mesosafe.lib.problems import conflict, field_problem, not_found

router = Router(auth=staff_key, tags=["catalogue"])


@router.get("/staff", response=responses({200: StaffPage}))
def list_staff(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    members = (
        Staff.objects.filter(clinic_id=staff_of(request).clinic_id).select_related("user").order_by("id")
    )
    return page(members, q, out.staff)


@router.get("/products", response=responses({200: ProductPage}))
def list_products(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    return page(
        Product.objects.filter(clinic_id=staff_of(request).clinic_id).order_by("name", "id"), q, out.product
    )


@router.post("/products", response=responses({201: ProductOut}))
def create_product(request: HttpRequest, body: ProductIn) -> Status[dict[str, Any]]:
    product = Product.objects.create(clinic_id=staff_of(request).clinic_id, **body.model_dump())
    return Status(201, out.product(product))


@router.get("/batches", response=responses({200: BatchPage}))
def list_batches(request: HttpRequest, q: Query[PageQuery]) -> dict[str, Any]:
    batches = Batch.objects.filter(product__clinic_id=staff_of(request).clinic_id).select_related("product")
    return page(batches.order_by("-expires_on", "id"), q, out.batch)


@router.post("/batches", response=responses({201: BatchOut}))
def create_batch(request: HttpRequest, body: BatchIn) -> Status[dict[str, Any]]:
    product = Product.objects.filter(id=body.product_id, clinic_id=staff_of(request).clinic_id).first()
    if product is None:
        raise field_problem("product_id", "no product with this id in your clinic")
    if Batch.objects.filter(product=product, lot_number=body.lot_number).exists():
        raise conflict("lot_number", "this product already has a batch with this lot number")
    batch = Batch.objects.create(
        product=product,
        lot_number=body.lot_number,
        expires_on=body.expires_on,
        multi_dose_vial=body.multi_dose_vial,
    )
    return Status(201, out.batch(batch))


@router.get("/batches/{lot}/recipients", response=responses({200: RecipientPage}))
def list_recipients(request: HttpRequest, lot: str, q: Query[PageQuery]) -> dict[str, Any]:
    staff = staff_of(request)
    if not lot_batches(staff.clinic, lot).exists():  # matched as the recall page matches it
        raise not_found()
    rows = batch_recipients(staff.clinic, lot)
    result = page(rows, q, lambda row: row.__dict__)
    for item in result["items"]:
        record(staff.clinic_id, staff.user, "read", "recall", [item["treatment_id"]], item["patient_id"])
    return result
