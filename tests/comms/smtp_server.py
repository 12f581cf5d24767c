"""A real SMTP server for the tests (aiosmtpd on a free port), standing in for the organization's mail relay.

It keeps every message it accepted on the wire, and a mailbox that files each Message-ID once, as mail stores
that de-duplicate by Message-ID do. ``hold_at`` makes the server take the n-th message's data and then stall
before answering, so a test can kill the sender in the window where the server has the message and the sender
does not know it yet.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    recipient: str
    message_id: str
    message: Message


@dataclass
class RecordingHandler:
    hold_at: int | None = None
    wire: list[Received] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.wire.append(Received(recipient, str(message["Message-ID"]), message))
            count = len(self.wire)
        if self.hold_at is not None and count == self.hold_at:
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"

    def mailbox(self) -> dict[str, list[str]]:
        """recipient → the distinct Message-IDs filed for them."""
        with self.lock:
            filed: dict[str, list[str]] = {}
            for item in self.wire:
                ids = filed.setdefault(item.recipient, [])
                if item.message_id not in ids:
                    ids.append(item.message_id)
            return filed

    def count(self) -> int:
        with self.lock:
            return len(self.wire)


class SmtpServer:
    def __init__(self, handler: RecordingHandler, port: int) -> None:
        self.handler = handler
        self.port = port
        self.controller = Controller(handler, hostname="127.0.0.1", port=port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.handler.release.set()
        self.controller.stop()
