"""Horizontal bar charts as PNG bytes (survey factors and barriers), with matplotlib's object API and Agg.

A chart is described by a hashable :class:`BarSpec`: rows top to bottom, headings
between groups of rows, and one bar per series (the whole group, or each side).
Values of ``None`` draw no bar and are marked "–".
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from core.script import families, use_fonts

if TYPE_CHECKING:  # matplotlib loads on the first chart, not at start
    from matplotlib.figure import Figure

SERIES_COLOURS = ("#1f5f8b", "#c2571a", "#5b8c3a")
WIDTH_INCHES = 8.0
ROW_INCHES = 0.34
MIN_HEIGHT_INCHES = 3.0  # room for the title, the legend and the note above and below even one row
DPI = 100


@dataclass(frozen=True)
class BarRow:
    """One row: a label and a value per series; a heading row has no bars."""

    label: str
    values: tuple[float | None, ...] = ()
    heading: bool = False


@dataclass(frozen=True)
class BarSpec:
    """Everything a bar chart shows."""

    title: str
    rows: tuple[BarRow, ...]
    series: tuple[str, ...]
    scale_min: float
    scale_max: float
    decimal: str = "."
    note: str = ""
    dpi: int = DPI
    rtl: bool = False


def _fmt(value: float, spec: BarSpec) -> str:
    text = f"{value:.0f}" if spec.scale_max - spec.scale_min > 20 else f"{value:.1f}"
    return text.replace(".", spec.decimal)


@lru_cache(maxsize=64)
def render_bars(spec: BarSpec) -> bytes:
    """Render ``spec`` to PNG bytes; identical specs come from the cache."""
    buffer = io.BytesIO()
    bar_figure(spec).savefig(buffer, format="png")
    return buffer.getvalue()


def bar_figure(spec: BarSpec) -> Figure:
    """The chart as a matplotlib figure on the Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    use_fonts()
    if not spec.rows or not spec.series:
        raise ValueError("a bar chart needs rows and at least one series")
    if any(not row.heading and len(row.values) != len(spec.series) for row in spec.rows):
        raise ValueError("every row needs one value per series")
    n_rows = len(spec.rows)
    height = max(MIN_HEIGHT_INCHES, 1.5 + ROW_INCHES * n_rows * max(1.0, 0.75 * len(spec.series)))
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=spec.dpi)
    FigureCanvasAgg(figure)
    bottom, top = 0.9 / height, 1 - 1.15 / height
    ax = figure.add_axes((0.40, bottom, 0.55, top - bottom))
    ax.set_xlim(spec.scale_min, spec.scale_max)
    ax.set_xticks(_ticks(spec.scale_min, spec.scale_max))
    ax.set_ylim(n_rows - 0.5, -0.5)
    span = spec.scale_max - spec.scale_min
    band = 0.8 / len(spec.series)
    labels = []
    for y, row in enumerate(spec.rows):
        wrapped = "\n".join(textwrap.wrap(row.label, 44, break_long_words=False)) or row.label
        labels.append(wrapped)
        if row.heading:
            continue
        for s, value in enumerate(row.values):
            offset = y - 0.4 + band * (s + 0.5)
            if value is None:
                ax.text(spec.scale_min + span * 0.01, offset, "–", va="center", fontsize=8, color="#666666")
                continue
            ax.barh(offset, value - spec.scale_min, left=spec.scale_min, height=band * 0.9,
                    color=SERIES_COLOURS[s % len(SERIES_COLOURS)])
            ax.text(value + span * 0.01, offset, _fmt(value, spec), va="center", fontsize=7.5, color="#333333")
    ax.set_yticks(range(n_rows))
    ax.set_yticklabels(labels, fontsize=8.5, fontfamily=families(spec.rtl))
    for tick, row in zip(ax.get_yticklabels(), spec.rows, strict=True):
        if row.heading:
            tick.set_fontweight("bold")
            tick.set_fontsize(9.5)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    figure.suptitle(spec.title, fontsize=12, y=1 - 0.12 / height, va="top", fontfamily=families(spec.rtl))
    if len(spec.series) > 1:
        from matplotlib.patches import Patch

        handles = [Patch(color=SERIES_COLOURS[s % len(SERIES_COLOURS)], label=name)
                   for s, name in enumerate(spec.series)]
        ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.3, 1.01), ncol=len(spec.series), frameon=False,
                  prop={"family": families(spec.rtl), "size": 8})
    if spec.note:
        figure.text(0.02, 0.15 / height, spec.note, fontsize=7.5, color="#555555",
                    fontfamily=families(spec.rtl))
    return figure



def _ticks(low: float, high: float) -> list[float]:
    """Whole-number ticks: every value on a short scale, the scale's ends and round steps on a long one."""
    if high - low <= 10:
        return [float(v) for v in range(int(low), int(high) + 1)]
    step = 20 if high - low > 50 else 10
    return [low] + [float(v) for v in range(step, int(high) + 1, step)]
