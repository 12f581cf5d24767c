"""What each channel is sent: an email message, a Slack incoming-webhook payload, a Microsoft Teams payload.

Slack incoming webhooks take ``{"text": fallback, "blocks": [...]}`` (Block Kit: a ``header`` of plain text up
to 150 characters, ``section`` blocks of ``mrkdwn`` up to 3,000 characters, an ``actions`` block with a link
button). Teams incoming webhooks (and Workflows webhooks that replace them) take a message whose one attachment
is an Adaptive Card: ``{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": {"type": "AdaptiveCard", ...}}]}``. Both are built from the
notification's Markdown, converted to what each understands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from typing import Any

from uptake.db import utcnow
from uptake.web.markdown import render_markdown

SLACK_HEADER_LIMIT = 150
SLACK_SECTION_LIMIT = 3000
ADAPTIVE_CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
ADAPTIVE_CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

MARKDOWN_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)")
MARKDOWN_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
MARKDOWN_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")


@dataclass(frozen=True)
class OutgoingMessage:
    """A notification ready for a channel: its text, where it links, and the key every try of it carries."""

    subject: str
    body_markdown: str
    link: str | None
    message_key: str
    category: str


def absolute_link(base_url: str | None, link: str | None) -> str | None:
    if not link:
        return None
    if link.startswith(("http://", "https://")):
        return link
    return (base_url or "").rstrip("/") + "/" + link.lstrip("/") if base_url else link


def message_id(message_key: str, sender: str) -> str:
    """The same Message-ID on every try of one notification, so a resend after a crash is the same message."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "uptake.invalid"
    return f"<{message_key}@{domain}>"


@lru_cache(maxsize=64)
def _html(markdown: str) -> str:
    """The email's HTML part; cached because an announcement sends one text to every person of its cohort."""
    return str(render_markdown(markdown))


def email_message(message: OutgoingMessage, *, sender: str, recipient: str, link: str | None) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = formataddr(("", recipient))
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id(message.message_key, sender)
    email["X-Uptake-Category"] = message.category
    email["Auto-Submitted"] = "auto-generated"
    text = message.body_markdown.strip()
    html = _html(message.body_markdown)
    if link:
        text += f"\n\nOpen in uptake: {link}\n"
        html += f'<p><a href="{link}">Open in uptake</a></p>'
    email.set_content(text + "\n")
    email.add_alternative(f"<!doctype html><html><body>{html}</body></html>", subtype="html")
    return email


def _escape_slack(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_mrkdwn(markdown: str) -> str:
    """Markdown to Slack's mrkdwn: ``**bold**`` → ``*bold*``, ``[text](url)`` → ``<url|text>``, headings bold."""
    text = MARKDOWN_IMAGE.sub(lambda match: match.group(1), markdown)
    links: list[str] = []

    def keep_link(match: re.Match[str]) -> str:
        links.append(f"<{match.group(2)}|{_escape_slack(match.group(1)).replace('|', '/')}>")
        return f"\x00{len(links) - 1}\x00"

    text = MARKDOWN_LINK.sub(keep_link, text)
    text = _escape_slack(text)
    text = MARKDOWN_HEADING.sub(lambda match: f"*{match.group(1)}*", text)
    text = MARKDOWN_BOLD.sub(lambda match: f"*{match.group(1) or match.group(2)}*", text)
    return re.sub("\x00(\\d+)\x00", lambda match: links[int(match.group(1))], text)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_payload(message: OutgoingMessage, *, link: str | None) -> dict[str, Any]:
    body = slack_mrkdwn(message.body_markdown).strip()
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _truncate(message.subject, SLACK_HEADER_LIMIT)},
        }
    ]
    for start in range(0, min(len(body), SLACK_SECTION_LIMIT * 10), SLACK_SECTION_LIMIT):
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": body[start : start + SLACK_SECTION_LIMIT]}}
        )
    if link:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open in uptake"},
                        "url": link,
                        "action_id": "open-in-uptake",
                    }
                ],
            }
        )
    return {
        "text": _truncate(f"{message.subject}: {body}", 3000) if body else message.subject,
        "blocks": blocks,
    }


def teams_payload(message: OutgoingMessage, *, link: str | None) -> dict[str, Any]:
    card: dict[str, Any] = {
        "$schema": ADAPTIVE_CARD_SCHEMA,
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": message.subject,
                "weight": "Bolder",
                "size": "Medium",
                "wrap": True,
            },
            {
                "type": "TextBlock",
                "text": MARKDOWN_IMAGE.sub(lambda m: m.group(1), message.body_markdown),
                "wrap": True,
            },
        ],
    }
    if link:
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Open in uptake", "url": link}]
    return {
        "type": "message",
        "attachments": [{"contentType": ADAPTIVE_CARD_CONTENT_TYPE, "contentUrl": None, "content": card}],
    }
