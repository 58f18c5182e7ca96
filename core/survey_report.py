"""The partner survey's published result in the reader's language: factor and barrier charts and their text.

Everything here reads a published snapshot, so every figure has passed the gate.
"""

from __future__ import annotations

from core.bar_charts import DPI, BarRow, BarSpec, render_bars
from core.disclosure import OTHER_ANSWERS
from core.i18n import decimal_symbol, t
from core.i18n import listing as i18n_listing
from core.instrument import Instrument
from core.languages import RTL
from core.report import Chart, extremes, fmt, withheld_reason
from core.results import Snapshot, withheld_count
from core.survey import SIDE_ORDER, Score, gaps, group_scores, scale_range, side_scores

CONTACT_ITEM, INFORMAL_ITEM = "q5", "q6"
"""Part 1: planned contact frequency and informal contact."""


def side_label(lang: str, side: str) -> str:
    """A side of the table in ``lang``."""
    return t(lang, f"side.{side}")


def _value(lang: str, score: Score | None, wide: bool) -> str:
    if score is None:
        return "–"
    return f"{score.mean:.0f}" if wide else fmt(lang, score.mean)


def _series(instrument: Instrument, snap: Snapshot, kind: str, lang: str) -> tuple[tuple[str, ...], list[dict]]:
    """The chart's series: both sides where the gate shows them, else the whole group."""
    by_side = side_scores(instrument, snap, kind)
    if by_side:
        return tuple(side_label(lang, s) for s in SIDE_ORDER), [by_side[s] for s in SIDE_ORDER]
    return (t(lang, "survey.all"),), [group_scores(instrument, snap, kind)]


def _mean(score: Score | None) -> float | None:
    return score.mean if score else None


def _extremes(labels: dict[str, str], scores: dict[str, Score | None], lang: str, wide: bool) -> str:
    means = {cid: s.mean for cid, s in scores.items() if s is not None}
    return extremes(labels, means, lang, lambda v: _value(lang, Score(v, 0), wide))


def factor_chart(instrument: Instrument, snap: Snapshot, lang: str, title: str, dpi: int = DPI) -> Chart:
    """The 20 success factors as horizontal bars, grouped by category (by side when the gate allows)."""
    series, columns = _series(instrument, snap, "factor", lang)
    rows: list[BarRow] = []
    for category in instrument.categories:
        rows.append(BarRow(category.label.get(lang), heading=True))
        for construct in instrument.constructs_of("factor"):
            if construct.category == category.id:
                rows.append(BarRow(construct.label.get(lang), tuple(_mean(col[construct.id]) for col in columns)))
    low, high = _range(instrument, "factor")
    spec = BarSpec(f"{title}\n{t(lang, 'survey.factors')}", tuple(rows), series, low, high, decimal_symbol(lang),
                   t(lang, "survey.factor_note", low=low, high=high), dpi, lang in RTL)
    labels = {c.id: c.label.get(lang) for c in instrument.constructs_of("factor")}
    alt = t(lang, "survey.alt_factors", title=title, n=len(labels), categories=len(instrument.categories),
            low=low, high=high, series=" / ".join(series))
    whole = group_scores(instrument, snap, "factor")
    return Chart(render_bars(spec), " ".join(filter(None, [alt, _extremes(labels, whole, lang, False)])),
                 "survey-factors.png")


def barrier_chart(instrument: Instrument, snap: Snapshot, lang: str, title: str, dpi: int = DPI) -> Chart:
    """The four barriers on 1–100 (by side when the gate allows)."""
    series, columns = _series(instrument, snap, "barrier", lang)
    constructs = instrument.constructs_of("barrier")
    rows = tuple(BarRow(c.label.get(lang), tuple(_mean(col[c.id]) for col in columns)) for c in constructs)
    low, high = _range(instrument, "barrier")
    spec = BarSpec(f"{title}\n{t(lang, 'survey.barriers')}", rows, series, low, high, decimal_symbol(lang),
                   t(lang, "survey.barrier_note", low=low, high=high), dpi, lang in RTL)
    listing = i18n_listing(lang, (
        f"{c.label.get(lang)} " + " / ".join(_value(lang, col[c.id], True) for col in columns) for c in constructs))
    alt = t(lang, "survey.alt_barriers", title=title, n=len(constructs), low=low, high=high,
            series=" / ".join(series))
    return Chart(render_bars(spec), f"{alt} {listing}.", "survey-barriers.png")


def _range(instrument: Instrument, kind: str) -> tuple[int, int]:
    constructs = instrument.constructs_of(kind)
    return scale_range(instrument, constructs[0]) if constructs else (1, 5)


def _scores_line(instrument: Instrument, scores: dict[str, Score | None], lang: str, wide: bool) -> str:
    parts = [f"{instrument_label(instrument, cid, lang)} {_value(lang, s, wide)} (n {s.n})"
             for cid, s in scores.items() if s is not None]
    return i18n_listing(lang, parts)


def instrument_label(instrument: Instrument, construct_id: str, lang: str) -> str:
    """A construct's label in ``lang``."""
    return next(c.label.get(lang) for c in instrument.constructs if c.id == construct_id)


def barrier_lines(instrument: Instrument, snap: Snapshot, lang: str) -> list[str]:
    """The barrier scores, by side when the gate allows (for results and coordinator summaries)."""
    by_side = side_scores(instrument, snap, "barrier")
    if by_side:
        lines = []
        for side in SIDE_ORDER:
            line = _scores_line(instrument, by_side[side], lang, True)
            if line:
                lines.append(f"• {side_label(lang, side)}: {line}")
        if lines:
            return [t(lang, "survey.barriers_by_side"), *lines]
    line = _scores_line(instrument, group_scores(instrument, snap, "barrier"), lang, True)
    return [t(lang, "survey.barriers_head"), f"• {line}"] if line else []


def discussion_points(instrument: Instrument, snap: Snapshot, lang: str,
                      kinds: tuple[str, ...] = ("barrier", "factor")) -> list[str]:
    """The constructs (of ``kinds``) the two sides see most differently, raised as questions."""
    lines = []
    for gap in gaps(instrument, snap, kinds=kinds):
        wide = gap.construct.kind == "barrier"
        lines.append(t(lang, "survey.discuss", name=gap.construct.label.get(lang),
                       municipality=_value(lang, Score(gap.municipality, 0), wide),
                       other=_value(lang, Score(gap.other_side, 0), wide)))
    return lines


def _counts_line(instrument: Instrument, snap: Snapshot, item_id: str, lang: str) -> str | None:
    counts = snap.counts.get(item_id)
    if not isinstance(counts, dict):
        return None
    try:
        item = instrument.item(item_id)
    except KeyError:
        return None
    parts = [f"{o.label.get(lang)} {counts[o.id]}" for o in item.options if counts.get(o.id)]
    if counts.get(OTHER_ANSWERS):
        parts.append(other_answers(lang, counts, snap.k))
    return f"{item.wording(lang)} {', '.join(parts)}." if parts else None


def other_answers(lang: str, counts: dict[str, int], k: int) -> str:
    """The options fewer than k chose, together: "other answers together 2", or, when that is every answer,
    "4 answers, no option chosen by 3 or more"."""
    if set(counts) == {OTHER_ANSWERS}:
        return t(lang, "counts.spread", n=counts[OTHER_ANSWERS], k=k)
    return f"{t(lang, 'counts.other')} {counts[OTHER_ANSWERS]}"


def survey_summary(instrument: Instrument, snap: Snapshot, lang: str) -> str:
    """The text with the charts: factors by category, barriers, sides and discussion points, part 1, withheld."""
    lines = [t(lang, "survey.head", n=snap.respondents)]
    factors = group_scores(instrument, snap, "factor")
    low, high = _range(instrument, "factor")
    lines.append(t(lang, "survey.factors_head", low=low, high=high))
    for category in instrument.categories:
        in_category = {c.id: factors[c.id] for c in instrument.constructs_of("factor") if c.category == category.id}
        line = _scores_line(instrument, in_category, lang, False)
        if line:
            lines.append(f"• {category.label.get(lang)}: {line}")
    lines += barrier_lines(instrument, snap, lang)
    if side_scores(instrument, snap, "barrier") or side_scores(instrument, snap, "factor"):
        points = discussion_points(instrument, snap, lang)
        lines += [t(lang, "survey.discuss_head"), *points] if points else [t(lang, "survey.sides_agree")]
    else:
        lines.append(t(lang, "survey.sides_withheld", k=snap.k))
    part1 = [counted for item_id in (CONTACT_ITEM, INFORMAL_ITEM)
             if (counted := _counts_line(instrument, snap, item_id, lang))]
    index = group_scores(instrument, snap, "index")
    for construct in instrument.constructs_of("index"):
        score = index.get(construct.id)
        if score is not None:
            part1.append(t(lang, "survey.index", name=construct.label.get(lang), value=fmt(lang, score.mean), n=score.n))
    if part1:
        lines += [t(lang, "survey.part1_head"), *(f"• {line}" for line in part1)]
    for reason, count in sorted(withheld_count(snap).items()):
        lines.append(t(lang, "survey.withheld_items", n=count) + " " + withheld_reason(lang, reason, snap.k))
    return "\n".join(lines)


__all__ = ["barrier_chart", "barrier_lines", "discussion_points", "factor_chart", "side_label", "survey_summary"]
