"""The product's URLs plus POST /bench/floor (bench only)."""

from django.urls import path

from floor.checkin import floor_checkin
from floor.views import floor
from mesosafe.web.urls import handler404, handler500
from mesosafe.web.urls import urlpatterns as product_urls

urlpatterns = [path("bench/floor", floor), path("bench/floor/checkin", floor_checkin), *product_urls]

__all__ = ["handler404", "handler500", "urlpatterns"]
