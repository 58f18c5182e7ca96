"""Baseline: matplotlib's gallery radar example (specialty_plots/radar_chart.py), one chart.

Follows the gallery code (radar_factory with a registered RadarAxes projection,
circle frame), built on a fresh Figure per render as the example does, at the same
size and dpi as our spider chart, saved as PNG.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.path import Path
from matplotlib.projections import register_projection
from matplotlib.projections.polar import PolarAxes
from matplotlib.spines import Spine
from matplotlib.transforms import Affine2D


def radar_factory(num_vars: int) -> np.ndarray:
    """Register the gallery's 'radar' projection with ``num_vars`` axes (circle frame)."""
    theta = np.linspace(0, 2 * np.pi, num_vars, endpoint=False)

    class RadarTransform(PolarAxes.PolarTransform):
        def transform_path_non_affine(self, path):
            if path._interpolation_steps > 1:
                path = path.interpolated(num_vars)
            return Path(self.transform(path.vertices), path.codes)

    class RadarAxes(PolarAxes):
        name = "radar"
        PolarTransform = RadarTransform

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.set_theta_zero_location("N")

        def fill(self, *args, closed=True, **kwargs):
            return super().fill(closed=closed, *args, **kwargs)

        def plot(self, *args, **kwargs):
            lines = super().plot(*args, **kwargs)
            for line in lines:
                self._close_line(line)
            return lines

        def _close_line(self, line):
            x, y = line.get_data()
            if x[0] != x[-1]:
                x = np.append(x, x[0])
                y = np.append(y, y[0])
                line.set_data(x, y)

        def set_varlabels(self, labels):
            self.set_thetagrids(np.degrees(theta), labels)

        def _gen_axes_patch(self):
            return Circle((0.5, 0.5), 0.5)

        def _gen_axes_spines(self):
            return super()._gen_axes_spines()

    _ = Spine, Affine2D  # the gallery imports these for the polygon frame
    register_projection(RadarAxes)
    return theta


def render_gallery_radar(labels: list[str], series: list[list[float]], size: float, dpi: int) -> bytes:
    """One radar chart the gallery way, to PNG bytes."""
    theta = radar_factory(len(labels))
    fig = Figure(figsize=(size, size), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(projection="radar")
    ax.set_rgrids([2, 4, 6, 8])
    ax.set_title("Profile", weight="bold", size="medium", position=(0.5, 1.1),
                 horizontalalignment="center", verticalalignment="center")
    for data, colour in zip(series, ["b", "r", "g"], strict=False):
        ax.plot(theta, data, color=colour)
        ax.fill(theta, data, facecolor=colour, alpha=0.25, label="_nolegend_")
    ax.set_varlabels(labels)
    ax.legend(["Score", "Weighting"][: len(series)], loc=(0.9, 0.95), labelspacing=0.1, fontsize="small")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
