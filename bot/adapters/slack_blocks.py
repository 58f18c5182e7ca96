"""Neutral replies as Slack Block Kit, built with ``slack_sdk.models`` so Slack's limits are checked here.

Buttons on a question carry its ref in the actions block's ``block_id``
(``r|<ref>|<n>``), so a click on an old message can be recognised as stale.
"""

from __future__ import annotations

import json
import re

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.events import Choice, Reply
from core.i18n import t

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_ACTIONS = 25
MAX_BUTTON = 75
WRITE = "__write"
"""Button value that opens a modal for typed input (text, a number, an idea)."""
INPUT_VIEW = "samson_input"
COMMANDS = (
    "start", "resume", "results", "group", "lang", "privacy", "export", "erase", "help",
    "bind", "round", "invite", "add", "contact", "snooze", "set", "schedule",
)
_COMMAND = re.compile(r"(?<![\w/])/(" + "|".join(COMMANDS) + r")\b")


def slack_text(text: str) -> str:
    """Our texts for Slack: commands become ``/samson …``; &, < and > are escaped for mrkdwn."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _COMMAND.sub(r"/samson \1", escaped)


def chunks(text: str, size: int) -> list[str]:
    """Split text at line breaks into pieces of at most ``size`` characters."""
    parts: list[str] = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)
        cut = cut if cut > size // 2 else size
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return parts + [text] if text else parts


def _button(label: str, value: str, action_id: str, primary: bool = False) -> ButtonElement:
    if len(label) > MAX_BUTTON:
        label = label[: MAX_BUTTON - 1] + "…"
    return ButtonElement(text=label, value=value, action_id=action_id, style="primary" if primary else None)


def _needs_modal(reply: Reply) -> bool:
    spec = reply.accepts
    if spec is None:
        return False
    if spec.kind in ("text", "idea"):
        return True
    return spec.kind == "scale" and spec.min is not None and spec.max is not None and spec.max - spec.min > 10


def reply_blocks(reply: Reply, lang: str) -> list[dict]:
    """The blocks of one text reply; a long text becomes several sections, buttons go in actions blocks."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=part))
                           for part in chunks(slack_text(reply.text), MAX_SECTION)]
    values = [c for c in reply.choices if c.label.isdigit()]
    others = [c for c in reply.choices if not c.label.isdigit()]
    write_id = "write"
    if _needs_modal(reply):
        spec = reply.accepts
        assert spec is not None
        if spec.kind == "scale":
            write_id = f"write num:{spec.min}-{spec.max}"
        others.insert(0, Choice(WRITE, t(lang, "write.number" if spec.kind == "scale" else "write.answer")))
    prefix = f"r|{reply.ref}" if reply.ref else "c"
    for n, group in enumerate(g for g in (values, others) if g):
        for m in range(0, len(group), MAX_ACTIONS):
            part = group[m: m + MAX_ACTIONS]
            blocks.append(ActionsBlock(
                block_id=f"{prefix}|{n}{m or ''}",
                elements=[_button(c.label, c.value, write_id if c.value == WRITE else f"b{i}", primary=c.value == WRITE)
                          for i, c in enumerate(part)],
            ))
    if len(blocks) > MAX_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; Slack allows {MAX_BLOCKS} per message")
    return [block.to_dict() for block in blocks]


def answered_blocks(text: str, label: str) -> list[dict]:
    """A question after it was answered: its text, and the answer instead of the buttons."""
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=part)) for part in chunks(text, MAX_SECTION)]
    blocks = blocks[: MAX_BLOCKS - 1]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=f"✓ *{slack_text(label)}*")]))
    return [block.to_dict() for block in blocks]


def input_view(lang: str, kind: str, metadata: dict, minimum: int | None = None, maximum: int | None = None) -> dict:
    """A modal for typed input: an action idea, a free-text answer or a number."""
    title = t(lang, "write.idea_title" if kind == "idea" else "write.answer_title")
    element: NumberInputElement | PlainTextInputElement
    if kind == "number":
        element = NumberInputElement(action_id="value", is_decimal_allowed=False, min_value=minimum, max_value=maximum)
        label = t(lang, "write.number_label", min=minimum, max=maximum)
    else:
        element = PlainTextInputElement(action_id="value", multiline=True, max_length=2000)
        label = title
    view = View(
        type="modal", callback_id=INPUT_VIEW, title=PlainTextObject(text=title[:24]),
        submit=PlainTextObject(text=t(lang, "write.submit")), close=PlainTextObject(text=t(lang, "choice.cancel")),
        blocks=[InputBlock(block_id="input", label=label[:2000], element=element)],
        private_metadata=json.dumps(metadata, ensure_ascii=False)[:3000],
    )
    return view.to_dict()


__all__ = ["INPUT_VIEW", "WRITE", "answered_blocks", "chunks", "input_view", "reply_blocks", "slack_text"]
