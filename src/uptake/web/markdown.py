"""Markdown written by people (use cards, lessons, answers) rendered to safe HTML, for any domain's pages.

Two locks, one behind the other: markdown-it-py runs with raw HTML switched off (a ``<script>`` typed into a use
card comes out as visible text) and refuses ``javascript:``-style links; nh3 then keeps only a short list of tags
and attributes, only ``http``, ``https`` and ``mailto`` links, and marks every link ``noopener noreferrer
nofollow``. Images are dropped: a picture from another server would be fetched by every reader's browser, which an
offline, self-hosted install must not do. Event-handler attributes (``onerror=`` and the like) and ``style`` are
never allowed.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "strong", "em", "b", "i", "s", "del", "code", "pre", "blockquote",
        "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a",
        "table", "thead", "tbody", "tr", "th", "td",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def sanitize_html(html: str) -> str:
    """Keep only the allowed tags, attributes and link schemes of ``html``."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def render_markdown(text: str | None) -> Markup:
    """Markdown to HTML that is safe to put in a page as is (no raw HTML, no scripts, safe links only)."""
    if not text or not text.strip():
        return Markup("")
    return Markup(sanitize_html(_parser().render(text)))  # noqa: S704 - sanitized by nh3 just above
