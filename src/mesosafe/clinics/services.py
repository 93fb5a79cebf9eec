"""Staff API keys, and the clinic's products and lots."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from mesosafe.audit.services import record
from mesosafe.clinics.models import ApiKey, Batch, Clinic, Product, Staff
from mesosafe.clinics.schemas import BatchIn, ProductIn
from mesosafe.errors import Code, DomainError
from mesosafe.lib.tokens import digest, new_token

KEY_PREFIX = "msk_"
DUPLICATE_LOT = "this product already has a batch with this lot number"


def issue_api_key(staff: Staff, name: str = "default") -> str:
    """Create a key for this staff member and return it; only its hash is kept."""
    key = KEY_PREFIX + new_token()
    ApiKey.objects.create(staff=staff, name=name, key_hash=digest(key))
    return key


def staff_for_key(key: str) -> Staff | None:
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    found = (
        ApiKey.objects.select_related("staff__clinic", "staff__user")
        .filter(key_hash=digest(key), revoked_at__isnull=True, staff__user__is_active=True)
        .first()
    )
    return found.staff if found else None


def create_product(staff: Staff, data: ProductIn) -> Product:
    """A product of the staff member's clinic, audited."""
    with transaction.atomic():
        product = Product.objects.create(clinic_id=staff.clinic_id, **data.model_dump())
        record(staff.clinic_id, staff.user, "create", "product", [product.id])
    return product


def create_batch(staff: Staff, data: BatchIn) -> Batch:
    """A lot of one of the clinic's products, audited. A lot number the product already has, in any case, is
    a conflict on `lot_number` (its context names the lot as recorded): a recall finds lots whatever their
    case (`lot_batches`), so 'dxb-24-001' beside 'DXB-24-001' would be one lot recorded twice. The database's
    unique rule ignores case too, so two clinics' pages racing on SQLite (no row lock) cannot both add it."""
    try:
        with transaction.atomic():
            # the product's row locked, so two lots of it are added one after the other (PostgreSQL)
            product = (
                Product.objects.select_for_update()
                .filter(id=data.product_id, clinic_id=staff.clinic_id)
                .first()
            )
            if product is None:
                raise DomainError("product_id", "no product with this id in your clinic")
            existing = (
                Batch.objects.filter(product=product, lot_number__iexact=data.lot_number)
                .values_list("lot_number", flat=True)
                .first()
            )
            if existing is not None:
                raise _duplicate_lot(existing)
            batch = Batch.objects.create(product=product, **data.model_dump(exclude={"product_id"}))
            record(staff.clinic_id, staff.user, "create", "batch", [batch.id])
    except IntegrityError:  # the same lot, added by someone else since the check
        raise _duplicate_lot() from None
    return batch


def _duplicate_lot(recorded: str | None = None) -> DomainError:
    # the lot as recorded, for a page to name it
    context = {"lot_number": recorded} if recorded is not None else None
    return DomainError("lot_number", DUPLICATE_LOT, Code.CONFLICT, context=context)


def lot_batches(clinic: Clinic, lot_number: str) -> QuerySet[Batch]:
    """This clinic's batches with this lot number, whatever its case and surrounding spaces."""
    return Batch.objects.filter(lot_number__iexact=lot_number.strip(), product__clinic=clinic)
