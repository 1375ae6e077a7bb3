"""The rating formula file (`MCU_ANALYTICS_RATING`, else the shipped one): weights of the
three components and the least number of appeals that earns a place, validated."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError, model_validator

from kit.reference_files import ReferenceFileError, Strict, load_yaml, problems
from services.analytics.domain.indicators import RatingFormula

SHIPPED_RATING = Path(__file__).resolve().parents[1] / "data" / "rating.yaml"


class RatingFileError(ReferenceFileError):
    code = "invalid_rating_formula"


class _Weights(Strict):
    timeliness: float = Field(ge=0, le=1)
    completeness: float = Field(ge=0, le=1)
    quality: float = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _some_weight(self) -> _Weights:
        if self.timeliness + self.completeness + self.quality <= 0:
            raise ValueError("хотя бы один вес должен быть больше нуля")
        return self


class _File(Strict):
    weights: _Weights
    min_appeals: int = Field(ge=1, description="Меньше обращений — без места в рейтинге")


def parse(text: str, source: str = "формула рейтинга") -> tuple[RatingFormula, dict]:
    """The formula and the file's data as read (recorded as a revision)."""
    data = load_yaml(text, source, RatingFileError)
    try:
        raw = _File.model_validate(data)
    except ValidationError as exc:
        raise RatingFileError(source, problems(exc)) from None
    return RatingFormula(raw.weights.timeliness, raw.weights.completeness, raw.weights.quality,
                         raw.min_appeals), data


def load(path: Path) -> tuple[RatingFormula, dict]:
    return parse(path.read_text(encoding="utf-8"), str(path))
