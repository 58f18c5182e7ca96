"""Checks on a signed Slack request before Bolt sees it: what Slack never sends is a 400, not a 500."""

from __future__ import annotations

import json
from urllib.parse import parse_qs


def _has(data: object, *path: str) -> bool:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def malformed(body: str, content_type: str) -> str | None:
    """Why a request body cannot be a Slack event, command or interaction; None if it can."""
    if content_type.startswith("application/json"):
        try:
            data = json.loads(body)
        except ValueError:
            return "body is not JSON"
        if not isinstance(data, dict) or "type" not in data:
            return "no event type"
        if data["type"] == "event_callback" and not _has(data, "event", "type"):
            return "event without a type"
        return None
    form = parse_qs(body, keep_blank_values=True)
    if "payload" not in form:
        return None if "command" in form or "ssl_check" in form else "neither a command nor an interaction"
    try:
        payload = json.loads(form["payload"][0])
    except ValueError:
        return "payload is not JSON"
    if not isinstance(payload, dict) or not _has(payload, "user", "id") or "type" not in payload:
        return "interaction without a type or user"
    if payload["type"] == "view_submission" and not (_has(payload, "view", "id") and _has(payload, "view", "state", "values")):
        return "view submission without state"
    if payload["type"] == "block_actions" and not (isinstance(payload.get("actions"), list) and payload["actions"]):
        return "block actions without actions"
    return None
