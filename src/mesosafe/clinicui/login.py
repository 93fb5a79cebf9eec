"""Staff logins, throttled: a password cannot be guessed at speed, on the clinic pages or the admin, and one
office behind one address is not locked out by someone else's failures.

Every attempt is counted before its password is checked (mesosafe.clinics.logins: atomic, shared by every
server process), under three keys in a window of MESOSAFE_LOGIN_WINDOW_S seconds; a login that succeeds is
given back. Locks, which refuse before the password is checked (so a right guess gets the same answer):
- the account from one address: after MESOSAFE_LOGIN_ATTEMPTS attempts;
- the account from anywhere: after three times as many (guessing spread over many addresses), counting only
  attempts not already refused by the first lock, so that one address cannot lock an account for everyone.
The address is the client's (lib/clientaddr: behind a trusted proxy, the one it was connected from; for an
IPv6 client its /64 network, which one client usually holds whole), and the account is the username as
authentication looks it up (every spelling of one account shares its counters).
The address alone never locks anyone out (a clinic's staff share one NAT address): past three times
MESOSAFE_LOGIN_ATTEMPTS attempts from it, one attempt every ADDRESS_SLOT_S seconds is still checked and the
others are refused at once (429, Retry-After). Nothing waits in a server thread: a flood of attempts that each
slept held every thread, and patients' check-ins waited behind them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from mesosafe.clinics.logins import count_attempt, uncount
from mesosafe.lib.clientaddr import client_network
from mesosafe.lib.tokens import digest

TOO_MANY = _("Too many failed logins. Please wait 15 minutes and try again.")
BUSY_ADDRESS = _("Too many login attempts from this network. Please try again in a moment.")
ADDRESS_SLOT_S = 1


class Throttled(forms.Form):
    request: Any
    throttled = False  # the page says "too many" instead of "did not match"
    retry_after = 0  # seconds, for the refused page's Retry-After

    def clean(self) -> dict[str, Any]:
        keys = account, pair, address = self._keys()
        window = settings.MESOSAFE_LOGIN_WINDOW_S
        limit = settings.MESOSAFE_LOGIN_ATTEMPTS
        if count_attempt(address, window) > limit * 3 and not self._address_slot(address):
            # refused before the account is counted: no password was tried on it
            self._refuse(BUSY_ADDRESS, ADDRESS_SLOT_S)
        # past its pair lock an address is not counted for the account (`or`): alone it cannot lock it for all
        if count_attempt(pair, window) > limit or count_attempt(account, window) > limit * 3:
            self._refuse(TOO_MANY, window)
        cleaned = super().clean() or {}
        for key in keys:  # reached only when the password matched (a mismatch raises above)
            uncount(key)
        return cleaned

    @staticmethod
    def _address_slot(address: str) -> bool:
        """The one attempt from a busy address that is checked in this ADDRESS_SLOT_S window."""
        return count_attempt(f"slot:{address}", ADDRESS_SLOT_S) == 1

    def _refuse(self, message: Any, retry_after: int) -> None:
        self.throttled, self.retry_after = True, retry_after
        raise forms.ValidationError(message, code="throttled")

    def _keys(self) -> tuple[str, str, str]:
        # The username as authentication looks it up: the field's cleaned value (stripped, NFKC), so that no
        # other spelling of one account gets counters of its own. Its case is kept: the lookup keeps it too.
        # It is hashed, so the counter keys name nobody.
        user = digest(self.cleaned_data.get("username") or "")[:32]
        address = client_network(self.request) if self.request else ""  # an IPv6 client's /64
        return f"user:{user}", f"user-address:{user}:{address}", f"address:{address}"


class LoginForm(Throttled, AuthenticationForm):
    pass


class AdminLoginForm(Throttled, AdminAuthenticationForm):
    pass


class LoginView(auth_views.LoginView):
    """The clinic pages' login: a refused attempt is the page with its error, as 429 with Retry-After."""

    template_name = "clinicui/login.html"
    authentication_form = LoginForm

    def form_invalid(self, form: Any) -> HttpResponse:
        return _refused_if_throttled(super().form_invalid(form), form)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's own login (with AdminLoginForm), answering a throttled attempt as the clinic login does."""
    response = admin.site.login(request)
    form = (getattr(response, "context_data", None) or {}).get("form")
    return _refused_if_throttled(response, form)


def _refused_if_throttled(response: HttpResponse, form: Any) -> HttpResponse:
    """The login page with the form's error: as 429 with Retry-After when the throttle refused it."""
    if getattr(form, "throttled", False):
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response
