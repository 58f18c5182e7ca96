"""Languages as data: every configured language for what residents see, plural rules, and charts that draw
every script."""

from __future__ import annotations

import warnings

import pytest

from core.i18n import catalogue, plural_category, t
from core.instrument import load_instrument
from core.languages import LANGUAGE_NAMES, LANGUAGES, RTL, UNREVIEWED
from core.report import overview_chart
from core.script import missing_glyphs

RESIDENTS = load_instrument("residents")
PNG = b"\x89PNG\r\n\x1a\n"


def test_seven_languages_each_named_in_itself_and_the_new_ones_flagged_unreviewed() -> None:
    assert LANGUAGES == ("nb", "sv", "en", "ar", "uk", "so", "ti")
    assert LANGUAGE_NAMES["ar"] == "العربية" and LANGUAGE_NAMES["ti"] == "ትግርኛ" and LANGUAGE_NAMES["uk"] == "Українська"
    assert RTL == {"ar"} and set(UNREVIEWED) == {"ar", "uk", "so", "ti"}


def test_every_message_exists_in_every_language() -> None:
    missing = {lang: [key for key, texts in catalogue().items() if not texts.get(lang)] for lang in LANGUAGES}
    assert all(not keys for keys in missing.values()), {lang: keys[:5] for lang, keys in missing.items() if keys}


def test_the_residents_instrument_is_plain_and_complete_in_seven_languages() -> None:
    samson = load_instrument("samson")
    assert [f.id for f in RESIDENTS.fields] == [f.id for f in samson.fields]  # every field, side by side
    assert 15 <= len(RESIDENTS.items) <= 25 and all(2 <= len(f.items) <= 4 for f in RESIDENTS.fields)
    for item in RESIDENTS.items:
        for text in (item.text, item.explain, item.subtheme):
            assert text is not None and all(text.root.get(lang) for lang in LANGUAGES), item.id
        assert len(item.text.get("en").split()) <= 16, item.text.get("en")  # one short idea per statement
    assert RESIDENTS.audience == "residents" and samson.for_residents == "residents"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_charts_draw_every_character_of_every_language(lang: str) -> None:
    scores = {f.id: 4.0 + n for n, f in enumerate(RESIDENTS.fields)}
    title = t(lang, "residents.chart_title", round="2027")
    labels = " ".join(f.title.get(lang) for f in RESIDENTS.fields) + title + t(lang, "chart.score")
    assert missing_glyphs(labels) == set(), lang
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chart = overview_chart(RESIDENTS, lang, title, scores, None, filename=f"residents-{lang}.png")
    assert chart.png.startswith(PNG)
    assert not [w for w in caught if "missing from font" in str(w.message)], lang


def test_plural_forms_follow_each_languages_rules() -> None:
    assert t("en", "report.withheld_items", n=1) == "1 statement not shown."
    assert t("en", "report.withheld_items", n=3) == "3 statements not shown."
    assert [plural_category("ar", n) for n in (0, 1, 2, 3, 11, 100)] == ["zero", "one", "two", "few", "many", "other"]
    assert [plural_category("uk", n) for n in (1, 3, 5, 21)] == ["one", "few", "many", "one"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_names_the_words_to_type_in_the_readers_language_and_each_works(lang: str) -> None:
    import re

    from bot.handlers.contact import kind_of
    from core.flow import BACK, CANT_SAY, IDEA, PAUSE, SKIP
    from core.i18n import command_words

    words = command_words(lang)
    help_text = t(lang, "help.text", **words)
    assert "/reminders " in help_text and "{" not in help_text
    for word, accepted in ((words["skip"], SKIP), (words["idea"], IDEA), (words["back"], BACK),
                           (words["pause"], PAUSE), (words["na"], CANT_SAY)):
        assert word in help_text and word.lower() in accepted, (lang, word)
    kinds = re.search(r"/contact \S+ (\S+)", help_text).group(1).split("|")  # type: ignore[union-attr]
    assert [kind_of(k) for k in kinds] == ["meeting", "call", "email", "chat"]
    if lang != "en":
        assert not re.search(r"[«\"”](skip|idea|back|pause)[»\"”]|meeting\|call", help_text), help_text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_word_a_prompt_says_to_type_is_understood(lang: str) -> None:
    import re

    from core.flow import BACK, CANCEL, SKIP

    for key, accepted in (("idea.hint", CANCEL), ("flow.type_text_optional", SKIP), ("err.or_skip", SKIP),
                          ("idea.share_required", BACK)):
        quoted = re.findall(r"[«\"“”]([^«»\"“”]+)[»\"“”]", t(lang, key))
        assert quoted, (lang, key)
        assert all(word.lower().strip() in accepted for word in quoted), (lang, key, quoted)
        if lang != "en":  # in the reader's own words
            assert not {word.lower() for word in quoted} & {"skip", "cancel", "back"}, (lang, key, quoted)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_settings_and_snooze_usage_examples_work_as_written(lang: str) -> None:
    import re

    from bot.handlers.settings import apply_setting
    from core.schedule import OFF, parse_duration
    from storage.models import Partnership

    snooze = re.search(r"/snooze ([^(]+)", t(lang, "snooze.usage")).group(1).split("|")  # type: ignore[union-attr]
    assert all(word.strip() in OFF or parse_duration(word.strip()) for word in snooze), (lang, snooze)
    partnership = Partnership(name="P", slug="p")
    for usage in t(lang, "settings.usage").split(" · "):  # "/set NAME first|second [HH:MM]": each alternative
        name, _, values = usage.split("/set ", 1)[1].partition(" ")
        for example in values.split(" [")[0].split("|"):
            if not any(ch.islower() for ch in example) and not example[:1].isdigit() or "–" in example:
                example = "7"  # DAYS, DAGER, 1–28: a number stands for them
            apply_setting(partnership, name, example.split())
    assert partnership.quiet_hours == "off" and partnership.lang == "ti"  # the last one listed
