"""Staff logins, throttled: a password cannot be guessed at speed, on the clinic pages or the admin.

Failed attempts are counted per username and per client address, in a window of MESOSAFE_LOGIN_WINDOW_S
seconds. Once either count reaches its limit, the form refuses before checking the password, so a guess
that happens to be right gets the same answer as a wrong one until the window ends.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from mesosafe.lib.ratelimit import over_limit, reached
from mesosafe.lib.tokens import digest

TOO_MANY = _("Too many failed logins. Please wait 15 minutes and try again.")


class Throttled(forms.Form):
    request: Any
    throttled = False  # the page says "too many" instead of "did not match"

    def clean(self) -> dict[str, Any]:
        keys = self._counters()
        if any(reached(key, limit) for key, limit in keys):
            self.throttled = True
            raise forms.ValidationError(TOO_MANY, code="throttled")
        try:
            return super().clean() or {}
        except forms.ValidationError:
            for key, limit in keys:
                over_limit(key, limit, settings.MESOSAFE_LOGIN_WINDOW_S)
            raise

    def _counters(self) -> list[tuple[str, int]]:
        # The username is hashed, so the counter keys name nobody.
        username = str(self.data.get("username", "")).strip().lower()
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        limit = settings.MESOSAFE_LOGIN_ATTEMPTS
        return [(f"login-user:{digest(username)}", limit), (f"login-address:{address}", limit * 3)]


class LoginForm(Throttled, AuthenticationForm):
    pass


class AdminLoginForm(Throttled, AdminAuthenticationForm):
    pass
