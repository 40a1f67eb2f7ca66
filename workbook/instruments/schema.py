"""The instrument file format as pydantic models, and every default of loading and scoring.

An instrument YAML file is read into an :class:`Instrument`: its :class:`Scale`, its
:class:`Dimension` list (weights adding up to ``DEFAULTS.weight_total``), its
:class:`Item` list, its level :class:`Band` list and, for paired instruments such as
SERVQUAL, its :class:`Part` list. ``docs/instruments.md`` explains every key; the loader
(:mod:`workbook.instruments.loader`) turns every mistake in a file into one
:class:`~workbook.errors.WorkbookInputError`.

>>> Text(zh="可靠性", en="Reliability").get("en")
'Reliability'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, StringConstraints

from workbook import i18n

if TYPE_CHECKING:  # pandas is imported where a table is built: a trainee's kernel scores without it
    import pandas as pd


@dataclass(frozen=True)
class ScoringDefaults:
    """Every threshold of loading and scoring, in one place.

    ``weight_total``: dimension weights must add up to this (1, not 100), within
    ``weight_tolerance``. Cronbach's alpha is computed for a dimension only with at least
    ``alpha_min_respondents`` complete respondents and ``alpha_min_items`` items.
    ``n_weakest``: how many lowest-scoring dimensions :func:`score` calls the weakest.
    ``max_listed``: how many respondents or items an error message lists before "…".

    Limits of an instrument file, checked before anything is built from it (a YAML "billion
    laughs" file of a few hundred bytes would otherwise expand to gigabytes, and deep nesting
    would exhaust Python's stack): ``max_file_bytes`` (the built-ins are 6–15 KB),
    ``max_depth`` (nested lists / mappings; the built-ins need 6), ``max_aliases`` (``*name``
    references; the built-ins use none) and ``max_nodes`` (values once every alias is
    expanded; the built-ins have about 1,500).
    """

    weight_total: float = 1.0
    weight_tolerance: float = 1e-6
    alpha_min_respondents: int = 5
    alpha_min_items: int = 2
    n_weakest: int = 2
    max_listed: int = 8
    max_file_bytes: int = 512 * 1024
    max_depth: int = 32
    max_aliases: int = 50
    max_nodes: int = 50_000


DEFAULTS = ScoringDefaults()
# Scores are compared at this many decimals: a gap of 0 is exactly 50 ("meets expectation") and two
# dimensions with equal answers tie, whatever order the floating-point sums were taken in.
SCORE_DECIMALS = 9


def _number_to_text(value: object) -> object:
    # `version: 1.2` arrives from YAML as a float; a version is a label, so keep what was typed.
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Version = Annotated[NonEmpty, BeforeValidator(_number_to_text)]
Number = Annotated[float, Field(allow_inf_nan=False)]


@dataclass(frozen=True)
class ItemMeta:
    """What scoring needs to know of one item: its dimension, its scale (id, ``type``, ``min`` and
    ``max``), whether it is reverse-scored and required, and the segments it ``applies_to``
    (``None``: every segment)."""

    dimension: str | None
    scale: str | None
    type: str
    min: int | None
    max: int | None
    reverse: bool
    required: bool
    applies_to: tuple[str, ...] | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Text(_Model):
    """A text in both languages: ``{zh: 满意度, en: satisfaction}``."""

    zh: NonEmpty
    en: NonEmpty

    def get(self, lang: str | None = None) -> str:
        """The text in ``lang`` (default: the active language of :mod:`workbook.i18n`)."""
        return getattr(self, i18n.normalize_language(lang) if lang else i18n.get_language())


class Option(_Model):
    """One answer of a ``choice`` scale."""

    id: Id
    name: Text


class Scale(_Model):
    """How an item is answered.

    ``numeric``: a whole-number rating from ``min`` to ``max`` (``labels`` name some points);
    ``choice``: one of ``options`` (not scored); ``text``: free text (not scored).
    """

    type: Literal["numeric", "choice", "text"] = "numeric"
    min: int | None = None
    max: int | None = None
    labels: dict[int, Text] = Field(default_factory=dict)
    options: list[Option] = Field(default_factory=list)

    @property
    def numeric(self) -> bool:
        return self.type == "numeric"


class Part(_Model):
    """One of the two answers of a paired item, e.g. expectation or perception."""

    id: Id
    name: Text


class Segment(_Model):
    """A group of respondents some items apply to, e.g. dealer class A."""

    id: Id
    name: Text


class Dimension(_Model):
    """A group of items scored together, with its weight in the index and one recommendation per band."""

    id: Id
    name: Text
    weight: Number
    scale: Id | None = None
    description: Text | None = None
    recommendations: dict[str, Text]


class Item(_Model):
    """One statement or question."""

    id: Id
    dimension: Id | None = None
    text: Text
    reverse: bool = False
    required: bool = True
    scale: Id | None = None
    applies_to: list[Id] | None = None


class Band(_Model):
    """A level on the 0–100 index: ``from`` (inclusive) to ``to`` (exclusive; the top band includes 100)."""

    code: Id
    name: Text
    lower: Number = Field(alias="from")
    upper: Number = Field(alias="to")
    description: Text | None = None


class Instrument(_Model):
    """A questionnaire as read from its YAML file (see ``docs/instruments.md``).

    Build one with :func:`load_instrument` or :func:`parse_instrument`: they also run the
    cross-checks (weights, bands, references) that a bare ``Instrument(...)`` skips.
    """

    id: Id
    version: Version
    title: Text
    description: Text
    scale: Id | None = None
    scales: dict[Id, Scale]
    paired: list[Part] | None = None
    segments: list[Segment] | None = None
    dimensions: list[Dimension] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    bands: list[Band] = Field(min_length=1)

    _source: str = PrivateAttr(default="<text>")

    @property
    def source(self) -> str:
        """Name of the file this instrument was read from."""
        return self._source

    def scale_of(self, item: Item) -> str | None:
        """Id of the scale ``item`` is answered on: its own, else its dimension's, else the default."""
        dimension = next((d for d in self.dimensions if d.id == item.dimension), None)
        return item.scale or (dimension.scale if dimension else None) or self.scale

    @cached_property
    def item_meta(self) -> dict[str, ItemMeta]:
        """Each item's scoring facts by id, in the file's order (see :class:`ItemMeta`).

        >>> from workbook.instruments import load_instrument
        >>> load_instrument("pulse").item_meta["recommend"].max
        10
        """
        meta = {}
        for item in self.items:
            scale_id = self.scale_of(item)
            scale = self.scales[scale_id]
            meta[item.id] = ItemMeta(
                dimension=item.dimension,
                scale=scale_id,
                type=scale.type,
                min=scale.min,
                max=scale.max,
                reverse=item.reverse,
                required=item.required,
                applies_to=tuple(item.applies_to) if item.applies_to is not None else None,
            )
        return meta

    @cached_property
    def item_table(self) -> pd.DataFrame:
        """:attr:`item_meta` as a table: index ``item_id``, one column per :class:`ItemMeta` field."""
        import pandas as pd

        rows = [{"item_id": item_id, **asdict(meta)} for item_id, meta in self.item_meta.items()]
        return pd.DataFrame(rows).set_index("item_id")

    @cached_property
    def sorted_bands(self) -> tuple[Band, ...]:
        """The bands from the lowest to the highest."""
        return tuple(sorted(self.bands, key=lambda band: band.lower))

    def band_of(self, values: object) -> np.ndarray:
        """Band codes of 0–100 ``values`` (lower bound inclusive); ``None`` where a value is NaN.

        >>> from workbook.instruments import load_instrument
        >>> inst = load_instrument("relationship")
        >>> inst.band_of([0, 39.9, 40, 100]).tolist()
        ['prospect', 'initial_contact', 'active', 'strategic_partner']
        """
        x = np.round(np.atleast_1d(np.asarray(values, dtype=float)), SCORE_DECIMALS)
        bands = self.sorted_bands
        position = np.searchsorted([b.lower for b in bands], x, side="right") - 1
        codes = np.array([b.code for b in bands], dtype=object)[np.clip(position, 0, len(bands) - 1)]
        codes[np.isnan(x)] = None
        return codes

    def band(self, code: str) -> Band:
        """The band with this code."""
        return next(b for b in self.bands if b.code == code)
