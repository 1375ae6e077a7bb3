"""The rating formula file: validated, with every problem named, before any engine opens."""

from __future__ import annotations

import pytest

from kit.deployment import single
from kit.directory import load_directory
from kit.settings import ConfigError, Settings
from services.analytics.adapters import rating_file
from services.analytics.bootstrap import open_analytics

SHIPPED = rating_file.SHIPPED_RATING.read_text(encoding="utf-8")


def test_the_shipped_formula_loads_with_its_data_for_the_revision():
    formula, data = rating_file.parse(SHIPPED)
    assert (formula.timeliness, formula.completeness, formula.quality) == (0.4, 0.3, 0.3)
    assert formula.min_appeals == data["min_appeals"] == 3


@pytest.mark.parametrize("old, new, fragment", [
    ("timeliness: 0.4", "timeliness: -0.4", "weights.timeliness: значение меньше допустимого"),
    ("timeliness: 0.4", "timelines: 0.4", "лишнее поле"),
    ("min_appeals: 3", "min_appeals: 0", "min_appeals: значение меньше допустимого"),
    ("timeliness: 0.4", "timeliness: 0", None),  # a zero weight alone is allowed
])
def test_broken_formulas_are_refused_in_russian(old, new, fragment):
    text = SHIPPED.replace(old, new, 1)
    if fragment is None:
        assert rating_file.parse(text)[0].timeliness == 0
        return
    with pytest.raises(rating_file.RatingFileError, match=fragment):
        rating_file.parse(text)


def test_all_weights_zero_is_refused():
    text = SHIPPED.replace("0.4", "0").replace("0.3", "0")
    with pytest.raises(rating_file.RatingFileError, match="хотя бы один вес"):
        rating_file.parse(text)


def test_a_broken_formula_stops_analytics_naming_the_setting_before_the_engine_opens(tmp_path):
    bad = tmp_path / "rating.yaml"
    bad.write_text("weights: {timeliness: 2}\n", encoding="utf-8")
    settings = Settings(analytics_rating=bad, data_dir=tmp_path, _env_file=None)
    with pytest.raises(ConfigError, match="MCU_ANALYTICS_RATING: .*weights"):
        open_analytics(settings, single(*load_directory()))
    assert not (tmp_path / "clickhouse").exists()  # no engine was opened
