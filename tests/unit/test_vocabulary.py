"""The assistant's meanings and the municipality's own words for them (core.vocabulary)."""

from __future__ import annotations

import pytest
import yaml

from core.municipality import DEFAULT_FILE, Municipality, MunicipalityFileError, load_municipality
from core.vocabulary import (
    CASE_KIND_FIELD,
    CASE_STATUS_FIELD,
    STATUS_AFVENTER_AFGOERELSE,
    STATUS_IGANGVAERENDE,
    WordMap,
    normalise_word,
    word_maps,
)


def test_each_meaning_is_its_own_word_and_nothing_else_is_assumed() -> None:
    statuses = WordMap.build(CASE_STATUS_FIELD)
    assert statuses.meaning("igangværende") == STATUS_IGANGVAERENDE
    assert statuses.meaning("  IGANGVÆRENDE ") == STATUS_IGANGVAERENDE
    assert statuses.meaning("igangvaerende") is None  # no guessing between spellings
    assert statuses.meaning("bevilget") is None  # means different things in different systems


def test_words_are_compared_composed_case_folded_and_with_single_spaces() -> None:
    assert normalise_word("Afventer  Afgørelse ") == "afventer afgørelse"
    assert normalise_word("afsla\u030aet") == normalise_word("afslået")  # å sent as a + ring


def test_the_municipality_adds_its_own_words() -> None:
    maps = word_maps({CASE_STATUS_FIELD: {"Afventer rehabiliteringsteam": STATUS_AFVENTER_AFGOERELSE}})
    assert maps[CASE_STATUS_FIELD].meaning("afventer rehabiliteringsteam") == STATUS_AFVENTER_AFGOERELSE
    assert maps[CASE_KIND_FIELD].meaning("ressourceforløb") == "ressourceforløb"


def test_a_word_mapped_to_an_unknown_meaning_is_refused() -> None:
    with pytest.raises(ValueError, match="ukendt betydning"):
        WordMap.build(CASE_STATUS_FIELD, {"genbevilget": "i gang igen"})


def test_the_shipped_settings_map_common_export_words() -> None:
    maps = load_municipality(DEFAULT_FILE).word_maps()
    assert maps[CASE_STATUS_FIELD].meaning("genbevilget") == STATUS_IGANGVAERENDE
    assert maps[CASE_STATUS_FIELD].meaning("afventer rehabiliteringsteam") == STATUS_AFVENTER_AFGOERELSE


def test_a_settings_file_with_a_wrong_meaning_names_the_field(tmp_path) -> None:
    document = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    document["import_words"] = {"case_statuses": {"genbevilget": "genbevilget"}}
    path = tmp_path / "municipality.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(MunicipalityFileError, match=r"import_words.case_statuses: ukendt betydning"):
        load_municipality(path)


def test_import_words_are_optional() -> None:
    document = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    document.pop("import_words")
    municipality = Municipality.parse_obj(document)
    assert municipality.word_maps()[CASE_STATUS_FIELD].meaning("genbevilget") is None
