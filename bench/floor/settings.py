"""The product's settings with the floor view added to the URLs (bench only)."""

from mesosafe.web.settings import *  # noqa: F403

ROOT_URLCONF = "floor.urls"
