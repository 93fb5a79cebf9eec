"""clinics/services: a product's lot numbers are one lot whatever their case, in the service and in the
database's own unique rule (the service's row lock closes the race on PostgreSQL only), and the migration
that adds that rule names the lots it cannot keep."""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from mesosafe.clinics.models import Batch
from mesosafe.clinics.schemas import BatchIn
from mesosafe.clinics.services import create_batch
from mesosafe.errors import Code, DomainError
from tests.service_fixtures import Site

BEFORE, AFTER = ("clinics", "0004_login_counter"), ("clinics", "0005_lot_unique_any_case")


def test_the_same_lot_in_another_case_is_a_conflict_naming_it(site: Site) -> None:
    with pytest.raises(DomainError) as refused:
        create_batch(
            site.staff,
            BatchIn(
                product_id=site.product.id,
                lot_number=site.batch.lot_number.lower(),
                expires_on=date(2030, 1, 1),
            ),
        )
    error = refused.value
    assert error.field == "lot_number" and error.code == Code.CONFLICT
    assert error.context == {"lot_number": site.batch.lot_number}


def test_the_database_refuses_it_when_the_check_is_raced(site: Site) -> None:
    """As if another page added the lot between the check and the insert: no row lock on SQLite."""
    other_case = site.batch.lot_number.swapcase()
    assert other_case != site.batch.lot_number
    with mock.patch("mesosafe.clinics.services.Batch.objects.filter") as check:
        check.return_value.values_list.return_value.first.return_value = None
        with pytest.raises(DomainError) as refused:
            create_batch(
                site.staff,
                BatchIn(product_id=site.product.id, lot_number=other_case, expires_on=date(2030, 1, 1)),
            )
    assert refused.value.field == "lot_number" and refused.value.context == {}
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.create(product=site.product, lot_number=other_case, expires_on=date(2030, 1, 1))
    assert Batch.objects.filter(product=site.product).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_names_lots_recorded_twice_in_two_cases() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    try:
        old = MigrationExecutor(connection).loader.project_state([BEFORE]).apps
        clinic = old.get_model("clinics", "Clinic").objects.create(name="Old clinic")
        product = old.get_model("clinics", "Product").objects.create(clinic=clinic, name="HA 1%")
        for lot in ("DXB-24-001", "dxb-24-001"):
            old.get_model("clinics", "Batch").objects.create(
                product=product, lot_number=lot, expires_on=date(2030, 1, 1)
            )
        with pytest.raises(RuntimeError, match=f"product {product.id}, lot 'dxb-24-001'"):
            MigrationExecutor(connection).migrate([AFTER])
        old.get_model("clinics", "Batch").objects.filter(lot_number="dxb-24-001").delete()
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
