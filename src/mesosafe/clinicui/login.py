"""Staff logins, throttled: a password cannot be guessed at speed, on the clinic pages or the admin, and one
office behind one address is not locked out by someone else's failures.

Every attempt is counted before its password is checked (mesosafe.clinics.logins: atomic, shared by every
server process), under three keys in a window of MESOSAFE_LOGIN_WINDOW_S seconds; a login that succeeds is
given back. Locks, which refuse before the password is checked (so a right guess gets the same answer):
- the account from one address: after MESOSAFE_LOGIN_ATTEMPTS attempts;
- the account from anywhere: after three times as many (guessing spread over many addresses).
The address alone never locks anyone out (a clinic's staff share one NAT address): past three times
MESOSAFE_LOGIN_ATTEMPTS attempts from it, each attempt waits ADDRESS_DELAY_S seconds before its check.
"""

from __future__ import annotations

import time
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from mesosafe.clinics.logins import count_attempt, uncount
from mesosafe.lib.tokens import digest

TOO_MANY = _("Too many failed logins. Please wait 15 minutes and try again.")
ADDRESS_DELAY_S = 1.0


class Throttled(forms.Form):
    request: Any
    throttled = False  # the page says "too many" instead of "did not match"

    def clean(self) -> dict[str, Any]:
        account, pair, address = self._keys()
        window = settings.MESOSAFE_LOGIN_WINDOW_S
        limit = settings.MESOSAFE_LOGIN_ATTEMPTS
        counts = {key: count_attempt(key, window) for key in (account, pair, address)}
        if counts[pair] > limit or counts[account] > limit * 3:
            self.throttled = True
            raise forms.ValidationError(TOO_MANY, code="throttled")
        if counts[address] > limit * 3:
            time.sleep(ADDRESS_DELAY_S)
        cleaned = super().clean() or {}
        for key in counts:  # reached only when the password matched (a mismatch raises above)
            uncount(key)
        return cleaned

    def _keys(self) -> tuple[str, str, str]:
        # The username is hashed, so the counter keys name nobody.
        user = digest(str(self.data.get("username", "")).strip().lower())[:32]
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return f"user:{user}", f"user-address:{user}:{address}", f"address:{address}"


class LoginForm(Throttled, AuthenticationForm):
    pass


class AdminLoginForm(Throttled, AdminAuthenticationForm):
    pass
