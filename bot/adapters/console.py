"""The console adapter: a local chat on stdin/stdout, line by line, scriptable.

Lines starting with ``/`` are commands; other lines are answers. Buttons are shown
with keys to type: numbers stand for themselves, other buttons get letters.
Charts are written as PNG files and their paths printed, followed by their text.
"""

from __future__ import annotations

import asyncio
import re
import string
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.dispatch import BotCore
from bot.events import Event, EventKind, Reply


class ConsoleAdapter:
    """Runs one person's chat with the bot in a terminal (or over any text streams)."""

    def __init__(
        self,
        core: BotCore,
        *,
        user: str,
        display_name: str | None = None,
        stdin: TextIO,
        stdout: TextIO,
        charts_dir: Path = Path("charts"),
        locale_hint: str | None = None,
        echo: bool = False,
    ) -> None:
        self.core = core
        self.user = user
        self.display_name = display_name or user
        self.stdin = stdin
        self.stdout = stdout
        self.charts_dir = charts_dir
        self.locale_hint = locale_hint
        self.echo = echo
        self.keys: dict[str, str] = {}
        self.saved: list[Path] = []

    def event(self, line: str) -> Event:
        """The neutral event for one typed line."""
        text = line.strip()
        if text.startswith("/"):
            kind, payload = EventKind.COMMAND, text[1:]
        elif text.lower() in self.keys:
            kind, payload = EventKind.CHOICE, self.keys[text.lower()]
        else:
            kind, payload = EventKind.TEXT, line.rstrip("\r\n")
        return Event(
            platform="console", workspace="local", channel=f"console:{self.user}", user=self.user,
            kind=kind, payload=payload,  # no update key: a typed line is never delivered twice
            display_name=self.display_name, locale_hint=self.locale_hint, private=True,
        )

    async def send(self, line: str) -> list[Reply]:
        """Handle one line and print the replies."""
        replies = await self.core.handle(self.event(line))
        for reply in replies:
            self.render(reply)
        self.stdout.flush()
        return replies

    async def run(self, first: list[str] | None = None) -> None:
        """Read lines until end of input (Ctrl-D) or /exit."""
        for line in first or []:
            await self.send(line)
        while True:
            self.stdout.write("> ")
            self.stdout.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                self.stdout.write("\n")
                break
            if self.echo:
                self.stdout.write(line)
            if line.strip() in ("/exit", "/quit"):
                break
            if not line.strip() and not self.keys:
                continue
            await self.send(line)

    def render(self, reply: Reply) -> None:
        """Print a reply: its image path, its text, and its buttons with keys."""
        out = self.stdout
        if reply.forget_local_files:  # also what an earlier run saved for this person in their folder
            earlier = [p for p in self.charts_dir.glob("*") if _SAVED.match(p.name)] if self.charts_dir.is_dir() else []
            for path in [*self.saved, *earlier]:
                path.unlink(missing_ok=True)
            self.saved.clear()
        if reply.image is not None:
            self.charts_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            path = self.charts_dir / f"{stamp}-{safe_name(reply.image_name or 'chart.png')}"
            path.write_bytes(reply.image)
            self.saved.append(path)
            out.write(f"[chart: {path}]\n")
        if reply.document is not None:
            self.charts_dir.mkdir(parents=True, exist_ok=True)
            path = self.charts_dir / safe_name(reply.document_name or "report.pdf")
            path.write_bytes(reply.document)
            self.saved.append(path)
            out.write(f"[document: {path}]\n")
        out.write(reply.text.rstrip() + "\n")
        if reply.choices:
            self.keys = {}
            numbers, others = [], []
            letters = iter(string.ascii_lowercase)
            typed_text = reply.accepts is not None and reply.accepts.kind in ("text", "idea")
            for choice in reply.choices:
                if choice.value.isdigit():
                    numbers.append(choice.value)
                    self.keys[choice.value] = choice.value
                elif typed_text:
                    others.append(f"«{choice.label}»")
                else:
                    key = next(letters)
                    self.keys[key] = choice.value
                    others.append(f"{key}) {choice.label}")
            if numbers:
                out.write("   " + " ".join(f"[{n}]" for n in numbers) + "\n")
            if others:
                out.write("   " + "   ".join(others) + "\n")


_SAVED = re.compile(r"^(\d{8}-\d{6}-\d{6}-.+\.png|samson-my-data-.+\.json)$")
"""The files the console saves about a person: their charts (stamped) and their /export copies."""


def safe_name(name: str) -> str:
    """A file or folder name made of letters, digits, ``_``, ``.`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name).lstrip(".") or "_"
