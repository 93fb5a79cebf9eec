from __future__ import annotations

from django.conf import settings
from django.db import models


class SpentFormToken(models.Model):
    """A clinic form's one-time token, spent in the transaction that created what the form asked for: a
    second send of the same form (a reload, a double click) finds it and creates nothing."""

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result = models.CharField(max_length=300, blank=True)  # where the first send led
    spent_at = models.DateTimeField(auto_now_add=True)
