"""A paper form of an instrument (fpdf2), for residents who take part without a phone or a computer.

Pure: instrument and language in, PDF bytes out. Every statement keeps its item id,
so a coordinator can type the answers in later (``samson assist``). Arabic is shaped
and set right to left (HarfBuzz through fpdf2); Tigrinya uses the bundled Ethiopic font.
"""

from __future__ import annotations

from pathlib import Path

from core.i18n import t
from core.instrument import Instrument
from core.languages import RTL
from core.pdf_report import printable

FONT_DIR = Path(__file__).parent / "fonts"
MARGIN = 16


def _font(lang: str) -> tuple[str, Path]:
    """The font family and file that write ``lang``."""
    if lang == "ar":
        return "NotoArabic", FONT_DIR / "NotoSansArabic-Regular.ttf"
    if lang == "ti":
        return "NotoEthiopic", FONT_DIR / "NotoSansEthiopic-Regular.ttf"
    import matplotlib

    return "DejaVu", Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def render_paper_form(instrument: Instrument, lang: str, partnership: str, round_title: str) -> bytes:
    """The instrument as a printable form in ``lang``: one statement per block, 1–10 and "can't say" to circle."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    family, path = _font(lang)
    pdf.add_font(family, "", str(path))
    if family != "DejaVu":  # names, numbers and "SAMSON" in Latin letters come from DejaVu Sans
        latin_family, latin = _font("en")
        pdf.add_font(latin_family, "", str(latin))
        pdf.set_fallback_fonts([latin_family])
    rtl = lang in RTL
    if rtl:
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
    align = "R" if rtl else "L"
    width = 210 - 2 * MARGIN

    def write(text: str, size: float, height: float, gap: float = 1.0) -> None:
        pdf.set_font(family, "", size)
        pdf.multi_cell(width, height, text if family != "DejaVu" else printable(text), align=align,
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.add_page()
    write(f"{instrument.title.get(lang)} – {partnership}", 15, 8)
    write(round_title, 11, 6)
    if instrument.intro:
        write(instrument.intro.get(lang), 10.5, 5.5, 2)
    write(t(lang, "paper.how"), 10.5, 5.5, 4)
    scale_line = "   ".join(str(v) for v in range(1, 11)) + "     ?"
    for number, item in enumerate(instrument.items, start=1):
        if pdf.get_y() > 250:
            pdf.add_page()
        write(f"{number}. {item.wording(lang)}", 11, 6, 0.5)
        pdf.set_font("Helvetica", "", 7)
        pdf.cell(width, 4, item.id, align="L" if rtl else "R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 12)
        if rtl:  # the numbers read left to right in Arabic too; shaped right to left, "?" ran into "10"
            pdf.set_text_shaping(False)
        pdf.cell(width, 8, scale_line, align="C", border=1, new_x="LMARGIN", new_y="NEXT")
        if rtl:
            pdf.set_text_shaping(use_shaping_engine=True, direction="rtl", script="arab", language="ara")
        pdf.ln(4)
    return bytes(pdf.output())
