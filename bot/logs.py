"""Structured logs: one line per event, as ``key=value`` text or JSON, at a configurable level."""

from __future__ import annotations

import logging

TEXT_FORMAT = "%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Set up the root logger (``SAMSON_LOG_LEVEL``, ``SAMSON_LOG_FORMAT``); a bad level falls back to INFO."""
    handler = logging.StreamHandler()
    if fmt == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s",
                                           rename_fields={"levelname": "level", "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    for noisy in ("httpx", "apscheduler.executors", "apscheduler.scheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(max(root.level, logging.WARNING))
