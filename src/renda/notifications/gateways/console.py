"""Development and test gateways: the console (the log) and a file (one JSON line per message)."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from renda.core.masking import mask_personal
from renda.notifications.gateways.base import Message, Sent

logger = logging.getLogger("renda.notifications.gateways")


class ConsoleGateway:
    """Writes each message to the log (address masked) and counts it delivered."""

    def __init__(self, *, channel: str, **options: Any) -> None:
        self.channel = channel
        self.sent: list[Message] = []  # what went out (tests read it)

    def send(self, message: Message) -> Sent:
        logger.info(
            "[%s] to %s: %s %s", self.channel, mask_personal(message.address), message.text, message.link
        )
        self.sent.append(message)
        return Sent(gateway_id=f"console-{len(self.sent)}", code="OK", delivered=True)


class FileGateway:
    """Appends each message as one JSON line to ``<path>/<channel>.jsonl`` (address masked)."""

    _lock = threading.Lock()

    def __init__(self, *, channel: str, path: str = "var/messages", **options: Any) -> None:
        self.channel = channel
        self.path = Path(path)

    def send(self, message: Message) -> Sent:
        self.path.mkdir(parents=True, exist_ok=True)
        line = {
            "channel": self.channel,
            "to": mask_personal(message.address),
            "kind": message.kind,
            "text": message.text,
            "link": message.link,
            "reference": message.reference,
        }
        with self._lock, (self.path / f"{self.channel}.jsonl").open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return Sent(gateway_id=message.reference, code="OK", delivered=True)
