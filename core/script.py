"""Text in charts for every script offered: fonts that cover them, Arabic from its own font.

matplotlib (3.11 and later) shapes text and orders right-to-left runs itself, so
Arabic is drawn joined and in reading order from the logical string. The bundled Noto
fonts (SIL Open Font License, ``core/fonts/OFL.txt``) cover Arabic and Ethiopic
(Tigrinya); DejaVu Sans, matplotlib's own, covers Latin and Cyrillic.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

FONT_DIR = Path(__file__).parent / "fonts"
FAMILIES = ["DejaVu Sans", "Noto Sans Ethiopic", "Noto Sans Arabic"]
ARABIC_FIRST = ["Noto Sans Arabic", "DejaVu Sans", "Noto Sans Ethiopic"]
_ready = threading.Lock()
_done = False


def use_fonts() -> None:
    """Register the bundled fonts with matplotlib and make them the fallbacks after DejaVu Sans (once)."""
    global _done
    with _ready:
        if _done:
            return
        import matplotlib
        from matplotlib import font_manager

        for path in sorted(FONT_DIR.glob("*.ttf")):
            font_manager.fontManager.addfont(str(path))
        # Headings are bold; a script whose font has no bold (Ge'ez) is drawn in its regular weight, as intended.
        logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
        matplotlib.rcParams["font.family"] = FAMILIES  # a list: each glyph from the first font that has it
        _done = True


def families(rtl: bool) -> list[str]:
    """The font families for a chart's texts: Arabic from its own font first when right to left."""
    return ARABIC_FIRST if rtl else FAMILIES


def missing_glyphs(text: str) -> set[str]:
    """The characters of ``text`` that none of the chart fonts can draw (for tests and checks)."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    use_fonts()
    cmaps = []
    for family in FAMILIES:
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        with TTFont(path, lazy=True) as font:
            cmaps.append(set(font.getBestCmap()))
    return {ch for ch in text if not ch.isspace() and not any(ord(ch) in cmap for cmap in cmaps)}
