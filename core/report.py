"""Charts and their text alternatives for SAMSON profiles, in the reader's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core.charts import DPI, SpiderSpec, render_spider_at
from core.disclosure import Reason
from core.i18n import decimal_symbol, t
from core.i18n import listing as i18n_listing
from core.instrument import Instrument
from core.languages import RTL
from core.results import (
    Snapshot,
    field_scores,
    field_weights,
    group_field_scores,
    shared_statements,
    statement_weights,
    weakest,
    widest_spread,
    withheld_count,
)
from core.scoring import Profile, deltas


@dataclass(frozen=True)
class Chart:
    """A rendered chart and its short text alternative."""

    png: bytes
    alt_text: str
    filename: str


VISIBLE_CHANGE = 0.05
"""The smallest change worth a word: it shows as ±0.1 with one decimal."""


def fmt(lang: str, value: float | None, signed: bool = False) -> str:
    """A score with one decimal in the language's style (7,1 in nb, sv and uk); '–' for none."""
    if value is None:
        return "–"
    text = f"{value:+.1f}" if signed else f"{value:.1f}"
    return text.replace("-", "−").replace(".", decimal_symbol(lang))


def _ordered(values: Mapping[str, float | None], keys: list[str]) -> tuple[float | None, ...]:
    return tuple(values.get(k) for k in keys)


def _extremes(labels: dict[str, str], values: Mapping[str, float | None], lang: str) -> str:
    scored = {k: v for k, v in values.items() if v is not None}
    if not scored:
        return t(lang, "report.no_scores")
    if len(scored) > 1 and len({fmt(lang, v) for v in scored.values()}) == 1:
        return t(lang, "report.all_equal", value=fmt(lang, next(iter(scored.values()))))
    return extremes(labels, scored, lang, lambda v: fmt(lang, v))


def extremes(labels: Mapping[str, str], values: Mapping[str, float], lang: str, shown: Callable[[float], str]) -> str:
    """"Strongest: A (7,5). Weakest: B, C (6,8)." Everything tied at the shown precision is named; "" unless
    at least two values differ as shown."""
    if len({shown(v) for v in values.values()}) < 2:
        return ""
    high, low = shown(max(values.values())), shown(min(values.values()))
    return t(lang, "report.extremes",
             high=", ".join(labels[k] for k, v in values.items() if shown(v) == high), high_value=high,
             low=", ".join(labels[k] for k, v in values.items() if shown(v) == low), low_value=low)


def field_labels(instrument: Instrument, lang: str) -> dict[str, str]:
    """Field id → field title in ``lang``."""
    return {f.id: f.title.get(lang) for f in instrument.fields}


def _spider(
    lang: str,
    title: str,
    intro: str,
    labels: dict[str, str],
    scores: Mapping[str, float | None],
    weights: Mapping[str, float | None] | None,
    previous: Mapping[str, float | None] | None,
    filename: str,
    dpi: int = DPI,
    compared: Mapping[str, float | None] | None = None,
) -> Chart:
    """Render one spider over ``labels`` (key → axis label) and write its text alternative.

    ``compared`` are the scores set against ``previous`` in the change sentence (default: ``scores``).
    """
    keys = list(labels)
    spec = SpiderSpec(
        title=title,
        axes=tuple(labels[k] for k in keys),
        scores=_ordered(scores, keys),
        score_label=t(lang, "chart.score"),
        weighting=_ordered(weights, keys) if weights else None,
        weighting_label=t(lang, "chart.weighting"),
        previous=_ordered(previous, keys) if previous else None,
        previous_label=t(lang, "chart.previous"),
        rtl=lang in RTL,
    )
    listing = i18n_listing(lang, (f"{labels[k]} {fmt(lang, scores.get(k))}" for k in keys))
    parts = [intro, listing + ".", _extremes(labels, {k: scores.get(k) for k in keys}, lang)]
    if previous:
        now = compared if compared is not None else scores
        parts.append(_change_sentence(labels, {k: now.get(k) for k in keys}, {k: previous.get(k) for k in keys}, lang))
    return Chart(render_spider_at(spec, dpi), " ".join(p for p in parts if p), filename)


def overview_chart(
    instrument: Instrument,
    lang: str,
    title: str,
    scores: Mapping[str, float | None],
    weights: Mapping[str, float | None] | None,
    previous: Mapping[str, float | None] | None = None,
    filename: str = "samson.png",
    dpi: int = DPI,
    compared: Mapping[str, float | None] | None = None,
) -> Chart:
    """The seven-field spider: score line over the grey weighting, previous round dashed."""
    labels = field_labels(instrument, lang)
    intro = t(lang, "report.alt_overview", title=title, n=len(labels))
    if weights and any(value is not None for value in weights.values()):
        intro += " " + t(lang, "report.alt_weighting")
    else:
        weights = None  # residents weigh nothing: no grey area, and no legend entry for one
    return _spider(lang, title, intro, labels, scores, weights, previous, filename, dpi, compared)


def _change_sentence(
    labels: dict[str, str], scores: Mapping[str, float | None], previous: Mapping[str, float | None], lang: str
) -> str:
    change = deltas(scores, previous)
    if not change:
        return ""
    up = max(change.items(), key=lambda kv: kv[1])
    down = min(change.items(), key=lambda kv: kv[1])
    rose, fell = up[1] >= VISIBLE_CHANGE, down[1] <= -VISIBLE_CHANGE
    if not (rose or fell):
        return t(lang, "report.unchanged")
    key = "report.changes" if rose and fell else "report.change_up" if rose else "report.change_down"
    return t(
        lang, key,
        up=labels[up[0]], up_value=fmt(lang, up[1], signed=True),
        down=labels[down[0]], down_value=fmt(lang, down[1], signed=True),
    )


def drilldown_chart(
    instrument: Instrument,
    lang: str,
    field_id: str,
    scores: Mapping[str, float | None],
    weights: Mapping[str, float | None] | None,
    filename: str | None = None,
    previous: Mapping[str, float | None] | None = None,
    dpi: int = DPI,
) -> Chart:
    """One field's spider, an axis per sub-theme ("5-1 … 5-7" in the original tool)."""
    section = next(f for f in instrument.fields if f.id == field_id)
    number = instrument.fields.index(section) + 1
    labels = {
        item.id: f"{number}-{i} {item.subtheme.get(lang) if item.subtheme else ''}"
        for i, item in enumerate(section.items, start=1)
    }
    title = section.title.get(lang)
    intro = t(lang, "report.alt_drilldown", title=title, n=len(labels))
    return _spider(lang, title, intro, labels, scores, weights, previous, filename or f"samson-{field_id}.png", dpi)


def person_charts(instrument: Instrument, profile: Profile, lang: str) -> list[Chart]:
    """A respondent's own overview chart."""
    return [
        overview_chart(
            instrument, lang, t(lang, "chart.my_title"), profile.fields, profile.field_weights,
            filename="samson-my-profile.png",
        )
    ]


def group_chart(
    instrument: Instrument, snap: Snapshot, lang: str, title: str, previous: Snapshot | None = None, dpi: int = DPI,
) -> Chart:
    """The group overview chart from a published snapshot, with the previous round's overlaid when given.

    When the earlier round used another instrument version, both are compared on the sub-themes they share.
    """
    shared = shared_statements(instrument, previous) if previous else None
    return overview_chart(
        instrument, lang, title, field_scores(instrument, snap), field_weights(instrument, snap),
        previous=field_scores(instrument, previous, shared) if previous else None, filename="samson-group.png", dpi=dpi,
        compared=field_scores(instrument, snap, shared) if previous else None,
    )


def group_drilldown(instrument: Instrument, snap: Snapshot, lang: str, field_id: str,
                    previous: Snapshot | None = None, dpi: int = DPI) -> Chart:
    """One field's group drill-down from a published snapshot (withheld statements have no point)."""
    means = {item_id: snap.mean(item_id) for item_id in snap.items}
    before = {item_id: previous.mean(item_id) for item_id in previous.items} if previous else None
    return drilldown_chart(instrument, lang, field_id, means, statement_weights(instrument, snap),
                           f"samson-group-{field_id}.png", before, dpi)


def kind_label(lang: str, kind: str) -> str:
    """An organisation kind in ``lang``."""
    return t(lang, f"kind.{kind}")


def withheld_reason(lang: str, reason: Reason, k: int) -> str:
    """Why figures are not shown, in plain words."""
    return t(lang, f"withheld.{reason.value}", k=k)


def group_summary(instrument: Instrument, snap: Snapshot, lang: str, previous: Snapshot | None = None) -> str:
    """The text under a group chart: field scores, weakest sub-themes, spread, breakdown, and what is withheld."""
    labels = field_labels(instrument, lang)
    scores = field_scores(instrument, snap)
    lines = [t(lang, "report.group_head", n=snap.respondents)]
    for fid, score in scores.items():
        lines.append(f"• {labels[fid]}: {fmt(lang, score)}")
    weakest_items = weakest(instrument, snap)
    if weakest_items:
        names = ", ".join(
            f"{instrument.item(i).subtheme.get(lang)} {fmt(lang, v)}"  # type: ignore[union-attr]
            for i, v in weakest_items
        )
        lines.append(t(lang, "report.weakest", items=names))
    spread = widest_spread(instrument, snap)
    if spread:
        item_id, cell = spread
        lines.append(t(lang, "report.spread", subtheme=instrument.item(item_id).subtheme.get(lang),  # type: ignore[union-attr]
                       sd=fmt(lang, cell.sd), n=cell.n))
    if previous:
        shared = shared_statements(instrument, previous)
        sentence = _change_sentence(labels, field_scores(instrument, snap, shared),
                                    field_scores(instrument, previous, shared), lang)
        if sentence:
            lines.append(sentence)
            total = sum(len(f.items) for f in instrument.fields)
            if len(shared) < total:
                lines.append(t(lang, "report.compared_on", n=len(shared), total=total))
    kinds = group_field_scores(instrument, snap)
    for kind, kind_scores in kinds.items():
        shown = ", ".join(f"{labels[f]} {fmt(lang, v)}" for f, v in kind_scores.items())
        lines.append(f"{kind_label(lang, kind)}: {shown}")
    if not kinds and instrument.audience != "residents":  # residents answer for no kind of organisation
        lines.append(t(lang, "report.breakdown_withheld", k=snap.k))
    for reason, count in sorted(withheld_count(snap).items()):
        lines.append(t(lang, "report.withheld_items", n=count) + " " + withheld_reason(lang, reason, snap.k))
    return "\n".join(lines)
