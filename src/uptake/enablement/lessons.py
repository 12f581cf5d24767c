"""Lessons to safe HTML, with the module's own images.

Markdown goes through the one sanitized renderer (``web/markdown.py``), which drops every image so no reader's
browser fetches pictures from elsewhere. Images stored with the module are put back afterwards: each reference is
replaced before rendering by a marker made with a random nonce (so an author cannot forge one), and the marker is
swapped after sanitizing for an ``<img>`` whose address is uptake's own and whose alt text is escaped.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from urllib.parse import quote

from markupsafe import Markup

from uptake.enablement.training_format import IMAGE_REFERENCE
from uptake.web.markdown import render_markdown


def image_url(module_slug: str, name: str) -> str:
    return f"/training/modules/{quote(module_slug)}/images/{quote(name)}"


def render_lesson(module_slug: str, body_markdown: str, image_names: Collection[str]) -> Markup:
    nonce = secrets.token_hex(8)
    images: dict[str, Markup] = {}

    def replace(match: re.Match[str]) -> str:
        alt, reference = match.group(1), match.group(2)
        if reference not in image_names:
            return str(alt)
        marker = f"UPTAKEIMAGE{nonce}N{len(images)}X"
        images[marker] = Markup('<img src="{}" alt="{}" loading="lazy">').format(
            image_url(module_slug, reference), alt
        )
        return marker

    prepared = IMAGE_REFERENCE.sub(replace, body_markdown)
    html = str(render_markdown(prepared))
    for marker, tag in images.items():
        html = html.replace(marker, str(tag))
    return Markup(html)  # noqa: S704 - sanitized by render_markdown; the images are built from escaped parts
