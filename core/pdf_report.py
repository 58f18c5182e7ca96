"""The printable report as PDF bytes (fpdf2), with an embedded font that covers ø/å/æ/ä/ö.

Pure: content in, bytes out. A report is a cover and a list of sections; a section
has a heading, an optional chart (a PNG at 200 dpi, printed with its text
alternative beneath it) and paragraphs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

FONT = "DejaVu"
PAGE_WIDTH_MM = 210
MARGIN_MM = 18


@dataclass(frozen=True)
class Section:
    """One part of the report."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    image: bytes | None = None
    alt_text: str | None = None
    new_page: bool = True


@dataclass(frozen=True)
class Report:
    """What the report says: its cover lines, its sections, and the labels it needs."""

    title: str
    cover: tuple[str, ...]
    sections: tuple[Section, ...] = field(default_factory=tuple)
    alt_label: str = "Text alternative"
    page_label: str = "Page"


def _font_dir() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


@cache
def _covered() -> frozenset[int]:
    """The characters the embedded font can draw."""
    from fontTools.ttLib import TTFont

    with TTFont(str(_font_dir() / "DejaVuSans.ttf"), lazy=True) as font:
        return frozenset(font.getBestCmap())


def printable(text: str) -> str:
    """``text`` without what the font cannot draw (emoji such as 💬), so no box or gap is printed."""
    covered = _covered()
    return " ".join("".join(ch for ch in text if ord(ch) in covered or ch in "\n\t").split(" ")).strip()


def render_pdf(report: Report) -> bytes:
    """The report as a PDF document."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    fonts = _font_dir()
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_font(FONT, "I", str(fonts / "DejaVuSans-Oblique.ttf"))
    pdf.set_title(report.title)
    pdf.set_creator("SAMSON co-creation companion")
    page_label = report.page_label
    pdf.footer = lambda: _footer(pdf, page_label)  # type: ignore[method-assign]
    width = PAGE_WIDTH_MM - 2 * MARGIN_MM

    pdf.add_page()
    pdf.set_y(70)
    pdf.set_font(FONT, "B", 22)
    pdf.multi_cell(width, 11, printable(report.title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(FONT, "", 12)
    for line in report.cover:
        pdf.multi_cell(width, 7, printable(line), align="C", new_x="LMARGIN", new_y="NEXT")

    for section in report.sections:
        if section.new_page:
            pdf.add_page()
        else:
            pdf.ln(6)
        pdf.set_font(FONT, "B", 15)
        pdf.multi_cell(width, 8, printable(section.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        if section.image is not None:
            pdf.image(io.BytesIO(section.image), w=min(width, 150), x=(PAGE_WIDTH_MM - min(width, 150)) / 2)
            if section.alt_text:
                pdf.set_font(FONT, "I", 8.5)
                pdf.multi_cell(width, 4.5, printable(f"{report.alt_label}: {section.alt_text}"), new_x="LMARGIN",
                               new_y="NEXT")
            pdf.ln(3)
        pdf.set_font(FONT, "", 10.5)
        for paragraph in section.paragraphs:
            pdf.multi_cell(width, 5.5, printable(paragraph), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    return bytes(pdf.output())


def _footer(pdf: object, label: str) -> None:
    pdf.set_y(-12)  # type: ignore[attr-defined]
    pdf.set_font(FONT, "", 8)  # type: ignore[attr-defined]
    pdf.cell(0, 6, f"{label} {pdf.page_no()}", align="C")  # type: ignore[attr-defined]
