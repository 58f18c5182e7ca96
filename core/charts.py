"""Spider (radar) charts as PNG bytes, with matplotlib's object API and the Agg canvas.

No pyplot: figures are built directly and never registered with a GUI. A chart is
described by a hashable :class:`SpiderSpec`; PNGs are cached by that spec. Each
axis layout keeps one figure whose static background (axes, grid, labels) is drawn
once; a render restores that background and draws only the data, title and legend.
"""

from __future__ import annotations

import io
import math
import textwrap
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.script import families, use_fonts

if TYPE_CHECKING:  # matplotlib and numpy load on the first chart, not at start (memory of an idle bot)
    from matplotlib.figure import Figure

SIZE_INCHES = 6.0
DPI = 100
SCORE_COLOUR = "#1f5f8b"
PREVIOUS_COLOUR = "#c2571a"
WEIGHT_COLOUR = "#9a9a9a"


@dataclass(frozen=True)
class SpiderSpec:
    """Everything a spider chart shows. Values of ``None`` are drawn at the centre."""

    title: str
    axes: tuple[str, ...]
    scores: tuple[float | None, ...]
    score_label: str
    weighting: tuple[float | None, ...] | None = None
    weighting_label: str = ""
    previous: tuple[float | None, ...] | None = None
    previous_label: str = ""
    scale_min: float = 0.0
    scale_max: float = 10.0
    rtl: bool = False
    """The texts are right to left (Arabic): shaped before drawing."""


def _closed(values: tuple[float | None, ...], angles: list[float]) -> tuple[list[float], list[float]]:
    ys = [0.0 if v is None else float(v) for v in values]
    return angles + angles[:1], ys + ys[:1]


class _Template:
    """A reusable figure for one axis layout: only data, title and legend change."""

    def __init__(self, axes: tuple[str, ...], scale_min: float, scale_max: float, rtl: bool = False) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        use_fonts()
        self.figure = Figure(figsize=(SIZE_INCHES, SIZE_INCHES), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.figure)
        n = len(axes)
        # First axis at the top, clockwise, angles in [0, 2π) so theta never autoscales into a wedge.
        self.angles = [(math.pi / 2 - 2 * math.pi * i / n) % (2 * math.pi) for i in range(n)]
        ax = self.figure.add_axes((0.21, 0.17, 0.58, 0.58), projection="polar")
        ax.set_xlim(0, 2 * math.pi)
        ax.set_ylim(scale_min, scale_max)
        ax.set_autoscale_on(False)
        step = 2 if scale_max - scale_min >= 8 else 1
        ticks = [v for v in range(int(scale_min) + step, int(scale_max) + 1, step)]
        ax.set_yticks(ticks)
        ax.set_yticklabels([str(v) for v in ticks], fontsize=7, color="#666666")
        ax.set_xticks(self.angles)
        ax.set_xticklabels(["\n".join(textwrap.wrap(a, 16, break_long_words=False)) or a for a in axes],
                           fontsize=9, fontfamily=families(rtl))
        ax.tick_params(axis="x", pad=10)
        ax.grid(color="#cccccc", linewidth=0.6)
        ax.spines["polar"].set_color("#bbbbbb")
        self.ax = ax
        self.artists: list = []
        self.title = self.figure.suptitle("", fontsize=12, y=0.975, fontfamily=families(rtl))
        self.rtl = rtl
        self.lock = threading.Lock()
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.figure.bbox)

    def render(self, spec: SpiderSpec) -> bytes:
        ax = self.ax
        for artist in self.artists:
            artist.remove()
        self.artists = []
        if (old_legend := ax.get_legend()) is not None:
            old_legend.remove()
        if spec.weighting is not None:
            xs, ys = _closed(spec.weighting, self.angles)
            self.artists += ax.fill(xs, ys, color=WEIGHT_COLOUR, alpha=0.35, label=spec.weighting_label,
                                    zorder=1)
        if spec.previous is not None:
            xs, ys = _closed(spec.previous, self.angles)
            self.artists += ax.plot(
                xs, ys, color=PREVIOUS_COLOUR, linewidth=1.6, linestyle="--", label=spec.previous_label,
                zorder=2
            )
        xs, ys = _closed(spec.scores, self.angles)
        self.artists += ax.plot(xs, ys, color=SCORE_COLOUR, linewidth=2.4, label=spec.score_label,
                                zorder=3)
        self.artists += ax.plot(xs[:-1], ys[:-1], "o", color=SCORE_COLOUR, markersize=4, zorder=4)
        self.title.set_text(spec.title)
        legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, frameon=False,
                           prop={"family": families(self.rtl), "size": 8})
        self.canvas.restore_region(self.background)
        for artist in self.artists:
            ax.draw_artist(artist)
        ax.draw_artist(legend)
        self.figure.draw_artist(self.title)
        width, height = self.canvas.get_width_height()
        from PIL import Image

        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


_templates: dict[tuple, _Template] = {}
_templates_lock = threading.Lock()
_cache: OrderedDict[SpiderSpec, bytes] = OrderedDict()
_CACHE_SIZE = 256


def _template(spec: SpiderSpec) -> _Template:
    key = (spec.axes, spec.scale_min, spec.scale_max, spec.rtl)
    with _templates_lock:
        template = _templates.get(key)
        if template is None:
            if len(_templates) >= 64:
                _templates.pop(next(iter(_templates)))
            template = _templates[key] = _Template(*key)
        return template


def render_spider(spec: SpiderSpec) -> bytes:
    """Render ``spec`` to PNG bytes; identical specs come from the cache."""
    if len(spec.axes) < 3 or len(spec.scores) != len(spec.axes):
        raise ValueError("a spider chart needs at least 3 axes and one score per axis")
    with _templates_lock:
        cached = _cache.get(spec)
        if cached is not None:
            _cache.move_to_end(spec)
            return cached
    template = _template(spec)
    with template.lock:
        png = template.render(spec)
    with _templates_lock:
        _cache[spec] = png
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return png


def render_spider_at(spec: SpiderSpec, dpi: int) -> bytes:
    """``spec`` as PNG at ``dpi`` (e.g. 200 for print); the usual resolution comes from the cache."""
    if dpi == DPI:
        return render_spider(spec)
    buffer = io.BytesIO()
    spider_figure(spec).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def spider_figure(spec: SpiderSpec) -> Figure:
    """A fresh figure for ``spec`` (for inspection in tests and tools)."""
    template = _Template(spec.axes, spec.scale_min, spec.scale_max, spec.rtl)
    template.render(spec)
    return template.figure


def clear_cache() -> None:
    """Forget cached PNGs and figure templates."""
    with _templates_lock:
        _cache.clear()
        _templates.clear()
