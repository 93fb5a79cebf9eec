from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from mesosafe.clinicui.once import FIELD, new_token

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context: template.Context, fresh: bool = False) -> SafeString:
    """The hidden one-time token of a form that creates something; kept when the form comes back with
    errors (nothing was created, so it is still unspent), unless `fresh`: a page of several forms (the
    recall page) gives each its own token, so the refused form's token is not handed to its neighbours."""
    request = context.get("request")
    kept = ""
    if request is not None and request.method == "POST" and not fresh:
        kept = request.POST.get(FIELD, "")
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, kept or new_token())
