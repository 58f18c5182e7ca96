"""The instrument files load, validate and fail clearly."""

from __future__ import annotations

import re

import pytest
import yaml

from core.i18n import catalogue
from core.instrument import INSTRUMENT_DIR, InstrumentError, Text, bundled_files, load_instrument, parse_instrument, versions
from core.languages import REQUIRED as LANGUAGES

OCR_DAMAGE = re.compile(r"\b(apenhet|spgrsmal|malet|felles mal|ngdvendig|forstaelse|stgtte|mgte)\b", re.I)


def test_samson_shape() -> None:
    samson = load_instrument("samson")
    assert samson.version >= 1
    assert [v.id for v in samson.values] == ["openness", "democracy", "creativity", "leadership"]
    weighting = [s for s in samson.sections if s.role == "weighting"]
    assert len(weighting) == 1 and len(weighting[0].items) == 4
    assert len(samson.fields) == 7
    for field in samson.fields:
        assert 6 <= len(field.items) <= 9
        for item in field.items:
            assert item.subtheme and item.value and item.action_idea
            assert samson.scales[item.scale].na  # "can't say" allowed
            assert (samson.scales[item.scale].min, samson.scales[item.scale].max) == (1, 10)


def test_every_text_in_every_language_with_real_letters() -> None:
    samson = load_instrument("samson")
    texts = []
    for item in samson.items:
        for lang in LANGUAGES:
            texts.append(item.wording(lang))
            if item.subtheme:
                texts.append(item.subtheme.get(lang))
    joined = " ".join(texts)
    assert not OCR_DAMAGE.search(joined)
    assert "Åpenhet" in joined and "ø" in joined and "ä" in joined
    assert samson.fields[0].title.get("nb") == "Ivaretakelse av likeverdighet"
    assert samson.fields[1].title.get("nb") == "Å arbeide med felles mål"


def test_item_ids_are_stable_and_unique() -> None:
    ids = [item.id for item in load_instrument("samson").items]
    assert len(ids) == len(set(ids))
    assert ids[:4] == ["w.openness", "w.democracy", "w.creativity", "w.leadership"]


def _doc() -> dict:
    return yaml.safe_load((INSTRUMENT_DIR / "samson" / "v1.yaml").read_text(encoding="utf-8"))


def test_missing_language_names_file_item_and_problem() -> None:
    doc = _doc()
    del doc["sections"][2]["items"][3]["text"]["sv"]
    with pytest.raises(InstrumentError) as err:
        parse_instrument(yaml.safe_dump(doc, allow_unicode=True), "broken.yaml")
    message = str(err.value)
    assert "broken.yaml" in message and "go.notatool" in message and "'sv' is missing" in message


def test_unknown_scale_and_duplicate_ids_are_named() -> None:
    doc = _doc()
    doc["sections"][1]["items"][0]["scale"] = "score11"
    with pytest.raises(InstrumentError, match=r"x\.yaml: .*item 'eq\.trust': unknown scale 'score11'"):
        parse_instrument(yaml.safe_dump(doc, allow_unicode=True), "x.yaml")
    doc = _doc()
    doc["sections"][1]["items"][1]["id"] = "eq.trust"
    with pytest.raises(InstrumentError, match="item 'eq.trust': the id is used twice"):
        parse_instrument(yaml.safe_dump(doc, allow_unicode=True), "x.yaml")


def test_field_size_is_enforced() -> None:
    doc = _doc()
    doc["sections"][1]["items"] = doc["sections"][1]["items"][:5]
    with pytest.raises(InstrumentError, match="section 'equality': a field needs 6–9 statements, it has 5"):
        parse_instrument(yaml.safe_dump(doc, allow_unicode=True), "x.yaml")


def test_not_yaml_fails_clearly() -> None:
    with pytest.raises(InstrumentError, match="bad.yaml: not valid YAML"):
        parse_instrument("id: [unclosed", "bad.yaml")


def test_format_supports_every_kind_the_product_needs() -> None:
    """Likert 1–5 with neutral, 1–100 with skip, single choice, free text, side wording."""
    text = {"nb": "t", "sv": "t", "en": "t"}
    doc = {
        "id": "mini", "version": 1, "kind": "survey", "title": text,
        "scales": {"likert5": {"min": 1, "max": 5, "neutral": 3}, "pct": {"min": 1, "max": 100, "skip": True}},
        "sections": [{"id": "p1", "title": text, "items": [
            {"id": "q1", "type": "scale", "scale": "likert5", "text": text,
             "text_by_side": {"municipality": {"nb": "kommune", "sv": "kommun", "en": "municipality"}}},
            {"id": "q2", "type": "scale", "scale": "pct", "text": text},
            {"id": "q3", "type": "choice", "text": text,
             "options": [{"id": "weekly", "label": text}, {"id": "monthly", "label": text}]},
            {"id": "q4", "type": "text", "text": text, "optional": True, "action_idea": True},
        ]}],
    }
    mini = parse_instrument(yaml.safe_dump(doc), "mini.yaml")
    assert mini.item("q1").wording("en", "municipality") == "municipality"
    assert mini.item("q1").wording("en", "social_enterprise") == "t"
    assert mini.scales["pct"].skip and mini.scales["likert5"].neutral == 3


def test_messages_exist_in_all_languages() -> None:
    for key, texts in catalogue().items():
        assert all(texts.get(lang) for lang in LANGUAGES), key


def test_texts_are_keyed_by_the_configured_languages() -> None:
    doc = _doc()
    doc["title"]["xx"] = "?"
    with pytest.raises(InstrumentError, match="title: unknown language xx"):
        parse_instrument(yaml.safe_dump(doc, allow_unicode=True), "x.yaml")
    assert Text({"nb": "Hei", "sv": "Hej", "en": "Hello"}).get("uk") == "Hello"  # a missing language falls back


def test_instruments_are_loaded_by_id_and_version(tmp_path) -> None:
    assert load_instrument("samson", 1).version == 1
    assert load_instrument("survey").version == max(versions("survey"))
    with pytest.raises(InstrumentError, match="instrument 'samson' has no version 9"):
        load_instrument("samson", 9)
    with pytest.raises(InstrumentError, match="unknown instrument 'nope' \\(known: checkin, residents, samson, survey\\)"):
        load_instrument("nope")
    assert [f"{p.parent.name}/{p.name}" for p in bundled_files()] == [
        "checkin/v1.yaml", "checkin/v2.yaml", "residents/v1.yaml", "samson/v1.yaml", "samson/v2.yaml",
        "survey/v1.yaml"]


def test_samson_v2_applies_the_instrument_review() -> None:
    v1, v2 = load_instrument("samson", 1), load_instrument("samson", 2)
    fields = {f.id: [i.id for i in f.items] for f in v2.fields}
    assert "co.meta" in fields["communication"]  # metacommunication: talking about how we talk
    assert not {"re.ideas", "re.renew"} & set(fields["resources"])  # value statements left the resource field
    assert v2.item("an.plans").value == "democracy" and v1.item("an.plans").value == "leadership"
    for item in (i for f in v2.fields for i in f.items):
        for lang in LANGUAGES:
            text = item.wording(lang)
            assert ";" not in text and "?" not in text, (item.id, lang)  # one idea, no question inside a statement
        assert not re.search(r"\b(min|mitt|mine|jeg)\b", item.wording("nb"), re.I), item.id  # "we", like the rest
    assert v2.fields[0].title.get("sv") == "Att värna jämbördighet"
    assert v2.scales["score10"].labels[10].get("sv") == "instämmer helt"
    shared = {i.id for i in v1.items} & {i.id for i in v2.items}
    assert len(shared) >= 0.9 * len(v1.items)  # results stay comparable through the sub-themes
