"""The product's URLs plus the two floors' POST endpoints (bench only)."""

from django.urls import path

from floor import FLOOR_PATH, MUST_PATH
from floor.checkin import floor_checkin
from floor.views import floor
from mesosafe.web.urls import handler404, handler500
from mesosafe.web.urls import urlpatterns as product_urls

urlpatterns = [
    path(FLOOR_PATH.removeprefix("/"), floor),
    path(MUST_PATH.removeprefix("/"), floor_checkin),
    *product_urls,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
