"""Charts: real PNGs with the right axes and labels in each language, plus text alternatives."""

from __future__ import annotations

import io

from PIL import Image

from core.charts import SpiderSpec, render_spider, spider_figure
from core.instrument import load_instrument
from core.report import drilldown_chart, overview_chart

SAMSON = load_instrument("samson")
SCORES = {"equality": 7.0, "goals": 6.5, "communication": 4.0, "anchoring": 8.0,
          "facilitation": 5.0, "resources": 6.0, "competence": None}
WEIGHTS = {f: 8.0 for f in SCORES}


def _decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_overview_png_decodes_with_labels_per_language() -> None:
    for lang, first, third in [("nb", "Ivaretakelse av likeverdighet", "Kommunikasjon"),
                               ("sv", "Att värna jämbördighet", "Kommunikation"),
                               ("en", "Safeguarding equal worth", "Communication")]:
        chart = overview_chart(SAMSON, lang, "T", SCORES, WEIGHTS, previous={f: 5.0 for f in SCORES})
        image = _decode(chart.png)
        assert image.format == "PNG" and image.size == (600, 600)
        assert first in chart.alt_text and third in chart.alt_text


def test_figure_axes_and_layers() -> None:
    spec = SpiderSpec(
        title="Profil", axes=("A", "B", "C", "D"), scores=(1, 2, 3, 4), score_label="Skår",
        weighting=(5, 5, 5, 5), weighting_label="Vekting", previous=(2, 2, 2, 2), previous_label="Forrige runde",
    )
    figure = spider_figure(spec)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C", "D"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Vekting", "Forrige runde", "Skår"]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and list(dashed[0].get_ydata()) == [2, 2, 2, 2, 2]
    assert ax.get_ylim() == (0.0, 10.0)


def test_drilldown_has_one_axis_per_subtheme() -> None:
    comm = SAMSON.fields[2]
    scores = {item.id: 5.0 for item in comm.items}
    chart = drilldown_chart(SAMSON, "en", "communication", scores, None)
    _decode(chart.png)
    assert "3-1 Regular contact" in chart.alt_text and f"{len(comm.items)} sub-themes" in chart.alt_text
    nb = drilldown_chart(SAMSON, "nb", "communication", scores, None)
    assert "3-2 Samtale om samtalen" in nb.alt_text and "5,0" in nb.alt_text


def test_cache_returns_same_bytes_and_template_reuse_is_clean() -> None:
    spec = SpiderSpec(title="x", axes=("A", "B", "C"), scores=(1, 2, 3), score_label="s")
    assert render_spider(spec) is render_spider(spec)
    other = SpiderSpec(title="x", axes=("A", "B", "C"), scores=(3, 2, 1), score_label="s")
    assert render_spider(other) != render_spider(spec)
    # same layout reused: the new render must not keep the old lines
    figure_lines = spider_figure(other).axes[0].get_lines()
    assert len(figure_lines) == 2


def test_text_alternative_mentions_extremes_and_changes() -> None:
    chart = overview_chart(SAMSON, "en", "Group", SCORES, WEIGHTS, previous={**SCORES, "communication": 6.0})
    assert "Strongest: Anchoring (backing and ownership) (8.0)" in chart.alt_text
    assert "Weakest: Communication (4.0)" in chart.alt_text
    assert "biggest fall Communication (−2.0); no field has risen" in chart.alt_text
    same = overview_chart(SAMSON, "en", "Group", SCORES, WEIGHTS, previous={**SCORES, "goals": 6.48})
    assert "No field has changed since the previous round." in same.alt_text and "+0.0" not in same.alt_text


def test_versions_are_compared_only_on_the_sub_themes_both_ask() -> None:
    from core.disclosure import Shown
    from core.report import group_summary
    from core.results import Snapshot

    v1, v2 = load_instrument("samson", 1), load_instrument("samson", 2)
    before = Snapshot(5, 3, {i.id: Shown(5.0, 5, 1.0) for i in v1.items})
    new = {i.id for i in v2.items} - {i.id for i in v1.items}
    assert new == {"eq.municipality", "co.meta", "re.fresh", "re.emerging"}
    now = Snapshot(5, 3, {i.id: Shown(9.0 if i.id in new else 5.0, 5, 1.0) for i in v2.items})
    text = group_summary(v2, now, "en", before)
    # the new statements raise this round's field scores, but they are not a change since the earlier round
    assert "No field has changed since the previous round." in text
    assert "measured on the 46 of 50 statements both share" in text
    assert "another version" not in group_summary(v1, before, "en", before)


def test_a_residents_chart_mentions_no_weighting_and_uses_the_readers_decimal_sign() -> None:
    residents, samson = load_instrument("residents"), load_instrument("samson")
    scores = {field.id: 4.75 for field in residents.fields}
    chart = overview_chart(residents, "uk", "Голос мешканців", scores, {field.id: None for field in residents.fields})
    assert "вагу" not in chart.alt_text and "4,8" in chart.alt_text  # no grey area to speak of; Ukrainian comma
    assert "4.8" in overview_chart(residents, "en", "Voice", scores, None).alt_text
    weighted = overview_chart(samson, "en", "Partners", scores, {field.id: 6.0 for field in samson.fields})
    assert "grey area" in weighted.alt_text
