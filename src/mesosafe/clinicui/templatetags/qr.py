"""A patient link as a QR code (segno), drawn as inline SVG so it prints sharp and needs no image request."""

import segno
from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def qr(url: str) -> SafeString:
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=4, dark="#000", light="#fff", svgclass="qr", lineclass=None, title=_("QR code")
    )
    # segno writes only its own markup and the escaped title: nothing the page did not make
    return mark_safe(
        svg.replace("<svg ", f'<svg role="img" aria-label="{_("QR code of the private link")}" ', 1)
    )
