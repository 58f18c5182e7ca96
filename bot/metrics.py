"""Prometheus metrics of the runtime, served at ``/metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter("samson_updates_total", "Incoming updates handled, by platform and outcome",
                  ["platform", "outcome"], registry=REGISTRY)
ANSWERS = Counter("samson_answers_total", "Answers stored", registry=REGISTRY)
HANDLE_SECONDS = Histogram("samson_handle_seconds", "Time to apply one update (one transaction)", ["platform"],
                           registry=REGISTRY, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5))
ACK_SECONDS = Histogram("samson_ack_seconds", "Time until a platform request or tap was acknowledged",
                        ["platform"], registry=REGISTRY, buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3))
SENDS = Counter("samson_sends_total", "Outbox messages, by platform and result", ["platform", "result"],
                registry=REGISTRY)
RATE_LIMITED = Counter("samson_rate_limited_total", "429 answers from a platform", ["platform"], registry=REGISTRY)
OUTBOX_LAG = Gauge("samson_outbox_lag_seconds", "Age of the oldest due, unsent outbox message", registry=REGISTRY)
OUTBOX_PENDING = Gauge("samson_outbox_pending", "Due, unsent outbox messages", registry=REGISTRY)
INBOX_LAG = Gauge("samson_inbox_lag_seconds", "Age of the oldest stored, unprocessed update", registry=REGISTRY)
INBOX_PENDING = Gauge("samson_inbox_pending", "Stored updates not processed yet", registry=REGISTRY)
