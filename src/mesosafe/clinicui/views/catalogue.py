"""Products and lots: the clinic's products with their lots (expiry, multi-dose vial, treatments that used
each), and forms to add a product or a lot, so new vials can be recorded in treatments."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mesosafe.clinics.models import Batch, Product, Staff
from mesosafe.clinics.services import create_batch, create_product
from mesosafe.clinicui.access import staff_required
from mesosafe.clinicui.forms import BatchForm, ProductForm, shown_date
from mesosafe.clinicui.once import AlreadySent, sent_before, spending
from mesosafe.errors import DomainError


def _page(
    request: HttpRequest, staff: Staff, product_form: ProductForm, lot_form: BatchForm, status: int = 200
) -> HttpResponse:
    lots = (
        Batch.objects.for_clinic(staff.clinic_id)
        .annotate(treatments=Count("uses__treatment", distinct=True))
        .order_by("-expires_on", "lot_number")
    )
    products = (
        Product.objects.for_clinic(staff.clinic_id)
        .order_by("name", "id")
        .prefetch_related(Prefetch("batches", queryset=lots))
    )
    return render(
        request,
        "clinicui/products.html",
        {
            "staff": staff,
            "products": products,
            "product_form": product_form,
            "lot_form": lot_form,
            "today": staff.clinic.local_date(timezone.now()),
            "nav": "products",
        },
        status=status,
    )


@staff_required
def products(request: HttpRequest, staff: Staff) -> HttpResponse:
    chosen = request.GET.get("product", "")
    lot_form = BatchForm(staff=staff, initial={"product": chosen} if chosen.isdigit() else {})
    return _page(request, staff, ProductForm(), lot_form)


@staff_required
def new_product(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method != "POST":
        return redirect("clinicui:products")
    if (again := sent_before(request)) is not None:
        return again
    form = ProductForm(request.POST, instance=Product(clinic=staff.clinic))
    if form.is_valid():
        try:
            with spending(request) as spent:
                product = create_product(staff, form.product_in())
                spent.result = f"{reverse('clinicui:products')}?product={product.id}"
        except AlreadySent:
            return sent_before(request) or redirect("clinicui:products")
        except DomainError as error:
            form.refuse(error)
        else:
            messages.success(
                request, _("Product %(name)s added. Add its lots below.") % {"name": product.name}
            )
            return redirect(f"{reverse('clinicui:products')}?product={product.id}")
    return _page(request, staff, form, BatchForm(staff=staff), status=400)


@staff_required
def new_lot(request: HttpRequest, staff: Staff) -> HttpResponse:
    if request.method != "POST":
        return redirect("clinicui:products")
    if (again := sent_before(request)) is not None:
        return again
    form = BatchForm(request.POST, staff=staff)
    if form.is_valid():
        d = form.cleaned_data
        try:
            with spending(request) as spent:
                batch = create_batch(staff, form.batch_in())
                spent.result = reverse("clinicui:products")
        except AlreadySent:
            return sent_before(request) or redirect("clinicui:products")
        except DomainError as error:  # e.g. the same lot, added by someone else since the form was checked
            form.refuse(error)
        else:
            shown = {"lot": batch.lot_number, "product": d["product"].name}
            messages.success(request, _("Lot %(lot)s of %(product)s added.") % shown)
            if batch.expires_on < staff.clinic.local_date(timezone.now()):
                messages.warning(
                    request,
                    _("Lot %(lot)s expired on %(date)s: treatments after that date cannot use it.")
                    % {"lot": batch.lot_number, "date": shown_date(batch.expires_on)},
                )
            return redirect("clinicui:products")
    return _page(request, staff, ProductForm(), form, status=400)
