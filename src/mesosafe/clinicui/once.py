"""One-time form tokens for the clinic forms that create something. The form carries a random token
(`{% form_token %}`); the view spends it in the same transaction as the creation, so a reload or a double
click of the same form creates nothing new and leads where the first send led."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from mesosafe.clinicui.models import SpentFormToken

FIELD = "form_token"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def _sent_token(request: HttpRequest) -> str:
    """The form's token as `new_token` makes them, or "" for anything else (a NUL reached the database)."""
    token = request.POST.get(FIELD, "")
    return token if _TOKEN.fullmatch(token) else ""


def _user_id(request: HttpRequest) -> int:
    user_id = request.user.pk
    assert user_id is not None  # the clinic views are for staff who are logged in
    return int(user_id)


class AlreadySent(Exception):
    """The form's token was spent by an earlier send."""


@dataclass
class Spending:
    token: str
    result: str = ""


def sent_before(request: HttpRequest) -> HttpResponse | None:
    """When this send's token was spent already: a redirect to where the first send led, saying so."""
    token = _sent_token(request)
    spent = SpentFormToken.objects.filter(token=token, user_id=_user_id(request)).first() if token else None
    if spent is None:
        return None
    messages.info(request, _("This form was already sent; nothing new was created."))
    return redirect(spent.result or "clinicui:queue")


@contextmanager
def spending(request: HttpRequest) -> Iterator[Spending]:
    """A transaction that spends the form's token with whatever the block creates; set `.result` to the page
    the creation leads to. A token spent meanwhile (a double click's twin) raises AlreadySent and the block's
    work is undone. A send without a token (not from the page) is not protected."""
    token = _sent_token(request)
    spending = Spending(token)
    try:
        with transaction.atomic():
            if token:
                with (
                    transaction.atomic()
                ):  # its own savepoint, so a twin's refusal leaves a usable transaction
                    row = SpentFormToken.objects.create(token=token, user_id=_user_id(request))
            yield spending
            if token:
                SpentFormToken.objects.filter(pk=row.pk).update(result=spending.result[:300])
    except IntegrityError:
        if token and SpentFormToken.objects.filter(token=token).exists():
            raise AlreadySent from None
        raise
