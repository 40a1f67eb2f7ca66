"""Scoring a filled-in instrument: dimension scores, a weighted 0–100 index, its band, a plan.

:func:`score` takes one respondent's answers (a dict) or a tidy table of many
(:func:`tidy_responses` builds it from stored submissions; :func:`score_submissions`
does both) and returns an :class:`InstrumentResult`: dimension scores, the weighted index
and its level band, the weakest dimensions, an improvement plan, the spread between
raters and Cronbach's alpha.

Scoring itself needs only NumPy: a trainee's kernel scores its team (a few dozen answers) without
importing pandas, about 25 MB less in each of a class's kernels. The tables of a result
(:attr:`InstrumentResult.dimensions` and the others) are built, with pandas, when first read.

Example
-------
>>> from workbook.instruments import load_instrument
>>> pulse = load_instrument("pulse")
>>> result = score(pulse, {"recommend": 9, "csat": 4, "ces": 6}, lang="en")
>>> round(result.index, 1), result.level     # 0.4·90 + 0.3·75 + 0.3·83.3
(83.5, 'good')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from workbook import i18n
from workbook.errors import Problem, WorkbookInputError
from workbook.instruments.loader import _known, load_instrument
from workbook.instruments.schema import DEFAULTS, SCORE_DECIMALS, Instrument, ItemMeta

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class DimensionScore:
    """One dimension of a result. Scores are 0–100; NaN where nobody answered the dimension.

    ``raw_score`` is the mean on the answer scale (for paired instruments the mean gap) and
    ``parts`` the mean of each part of a paired instrument (e.g. ``expectation, perception``);
    ``gap`` = 100 − score, ``priority`` = gap × weight; ``rater_sd`` and ``rater_range`` are the
    spread of the respondents' dimension scores (0–100 points); ``alpha`` is Cronbach's alpha
    (NaN below the minimum respondents/items).
    """

    dimension: str
    name: str
    weight: float
    n_items: int
    n_respondents: int
    score: float
    raw_score: float
    band: str | None
    band_name: str | None
    gap: float
    priority: float
    rater_sd: float
    rater_range: float
    alpha: float
    recommendation: str | None
    parts: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemScore:
    """One scored item: ``n`` answers, their ``mean`` (recoded raw value, or gap) and ``score`` (0–100)."""

    item_id: str
    dimension: str
    text: str
    reverse: bool
    n: int
    mean: float
    score: float
    parts: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RespondentScore:
    """One respondent: a 0–100 score per dimension answered, the weighted ``index`` and its ``level``."""

    respondent_id: object
    scores: Mapping[str, float]
    index: float
    level: str


@dataclass(frozen=True)
class InstrumentResult:
    """What :func:`score` returns. Scores are 0–100 unless the column says ``raw``.

    Attributes
    ----------
    instrument_id, version, segment : str
        Which instrument (and which segment, e.g. dealer class) was scored.
    n_respondents : int
    index : float
        Weighted index 0–100: Σ wᵈ·scoreᵈ / Σ wᵈ over the dimensions that have answers.
    level, level_name : str
        Band code of ``index`` and its display name; ``reason`` says why.
    weakest : tuple of str
        The lowest-scoring dimensions (``DEFAULTS.n_weakest``, ties included).
    by_dimension, by_item, by_respondent : tuples of :class:`DimensionScore`, :class:`ItemScore`,
        :class:`RespondentScore`, in the instrument's order (respondents as they came).
    other : tuple of ``(respondent_id, item_id, value)``
        Answers to unscored (choice and text) items.

    The same as tables (built with pandas when first read):

    dimensions : DataFrame
        Index ``dimension``; columns ``name, weight, n_items, n_respondents, score, raw_score``,
        the mean of each part for paired instruments, ``band, band_name, gap, priority,
        rater_sd, rater_range, alpha, recommendation``.
    items : DataFrame
        Index ``item_id``; ``dimension, text, reverse, n, mean, score`` and the mean of each part
        for paired instruments.
    respondents : DataFrame
        Index ``respondent_id``; one 0–100 column per dimension, ``index`` and ``level``.
    plan : DataFrame
        The improvement plan (:attr:`plan_order`): ``rank, dimension, name, score, band,
        band_name, weight, gap, priority, recommendation``.
    other_answers : DataFrame
        :attr:`other` as ``respondent_id, item_id, value``.
    """

    instrument_id: str
    version: str
    segment: str | None
    n_respondents: int
    index: float
    level: str
    level_name: str
    reason: str
    weakest: tuple[str, ...]
    by_dimension: tuple[DimensionScore, ...]
    by_item: tuple[ItemScore, ...]
    by_respondent: tuple[RespondentScore, ...]
    other: tuple[tuple[object, str, object], ...]
    part_ids: tuple[str, ...] = ()

    @property
    def plan_order(self) -> tuple[DimensionScore, ...]:
        """The scored dimensions, highest ``priority`` (gap × weight) first: the improvement plan."""
        scored = [d for d in self.by_dimension if not math.isnan(d.score)]
        return tuple(sorted(scored, key=lambda d: -_rounded(d.priority)))  # stable: ties keep file order

    @cached_property
    def dimensions(self) -> pd.DataFrame:
        import pandas as pd

        rows = [
            {
                **{k: getattr(d, k) for k in _DIMENSION_COLUMNS[:7]},
                **{p: d.parts[p] for p in self.part_ids},
                **{k: getattr(d, k) for k in _DIMENSION_COLUMNS[7:]},
            }
            for d in self.by_dimension
        ]
        columns = [*_DIMENSION_COLUMNS[:7], *self.part_ids, *_DIMENSION_COLUMNS[7:]]
        table = pd.DataFrame(rows, columns=columns).set_index("dimension")
        table["band_name"] = table["band_name"].where(table["band"].notna(), np.nan)
        return table

    @cached_property
    def items(self) -> pd.DataFrame:
        import pandas as pd

        rows = [
            {**{k: getattr(it, k) for k in _ITEM_COLUMNS}, **{p: it.parts[p] for p in self.part_ids}}
            for it in self.by_item
        ]
        return pd.DataFrame(rows, columns=[*_ITEM_COLUMNS, *self.part_ids]).set_index("item_id")

    @cached_property
    def respondents(self) -> pd.DataFrame:
        import pandas as pd

        ids = [d.dimension for d in self.by_dimension]
        rows = [{**r.scores, "index": r.index, "level": r.level} for r in self.by_respondent]
        index = pd.Index([r.respondent_id for r in self.by_respondent], name="respondent_id")
        return pd.DataFrame(rows, index=index, columns=[*ids, "index", "level"]).astype(
            dict.fromkeys(ids, float)
        )

    @cached_property
    def plan(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["dimension", "name", "score", "band", "band_name", "weight", "gap", "priority"]
        rows = [[getattr(d, k) for k in (*columns, "recommendation")] for d in self.plan_order]
        plan = pd.DataFrame(rows, columns=[*columns, "recommendation"])
        plan.insert(0, "rank", np.arange(1, len(plan) + 1))
        return plan

    @cached_property
    def other_answers(self) -> pd.DataFrame:
        import pandas as pd

        who, item, value = zip(*self.other, strict=True) if self.other else ((), (), ())
        return pd.DataFrame(
            {"respondent_id": list(who), "item_id": list(item), "value": pd.Series(value, dtype=object)}
        )


_DIMENSION_COLUMNS = (
    "dimension", "name", "weight", "n_items", "n_respondents", "score", "raw_score",
    "band", "band_name", "gap", "priority", "rater_sd", "rater_range", "alpha", "recommendation",
)  # fmt: skip
_ITEM_COLUMNS = ("item_id", "dimension", "text", "reverse", "n", "mean", "score")

COLUMNS = ("respondent_id", "item_id", "value")  # tidy responses; paired instruments add "part"
SINGLE_RESPONDENT = "1"  # respondent id given to the answers of a dict
SEGMENT_KEY = "_segment"  # stored beside the answers: the segment (e.g. dealer class) they were given for
ACCOUNT_INSTRUMENTS = ("relationship",)  # instruments that rate one key account


class _Answers(NamedTuple):
    """Tidy answers as parallel lists: who, which item, which part (``None`` unless paired), what."""

    respondent: list
    item: list[str]
    part: list[str | None]
    value: list

    def take(self, keep: Sequence[bool]) -> _Answers:
        return _Answers(*([x for x, k in zip(column, keep, strict=True) if k] for column in self))


def _records(submissions: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Stored submissions as a list of dicts: rows of a DataFrame, or the records themselves."""
    if hasattr(submissions, "to_dict"):
        return list(submissions.to_dict("records"))
    return list(submissions)


def _missing(value: object) -> bool:
    """``None``, NaN, ``pandas.NA`` or ``NaT``: what pandas calls missing, without importing pandas."""
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float | np.floating) and math.isnan(value)


def _rater_records(submissions: pd.DataFrame | Iterable[Mapping[str, Any]]) -> list[tuple[str, dict]]:
    """``(rater, answers)`` of each rater's last submission, in the order of those submissions."""
    last: dict[str, tuple[int, dict]] = {}
    for position, row in enumerate(_records(submissions)):
        person = row["respondent_id"]
        rater = f"s{row['submission_id']}" if _missing(person) else str(person)
        last[rater] = (position, row["answers"])
    return [(rater, answers) for rater, (_, answers) in sorted(last.items(), key=lambda kv: kv[1][0])]


def _tidy_submissions(rows: Iterable[tuple[object, Mapping[str, object]]], *, split: bool = True) -> _Answers:
    """``(who, {item: value or {part: value}})`` pairs as tidy answers, one per (item, part);
    ``split=False`` keeps a mapping given as a value whole (it is then refused as not a number)."""
    tidy = _Answers([], [], [], [])
    for who, answers in rows:
        for item, value in answers.items():
            pairs = (
                [(str(p), v) for p, v in value.items()]
                if split and isinstance(value, Mapping)
                else [(None, value)]
            )
            for part, given in pairs:
                tidy.respondent.append(who)
                tidy.item.append(str(item))
                tidy.part.append(part)
                tidy.value.append(given)
    return tidy


def tidy_responses(submissions: pd.DataFrame, rater: str = "respondent_id") -> pd.DataFrame:
    """Stored submissions (one row each, ``answers`` a dict) as the tidy table :func:`score` takes.

    Each submission's ``{item_id: value}`` becomes rows ``respondent_id, item_id, value``; a paired
    answer ``{item_id: {part: value}}`` becomes one row per part with a ``part`` column. The
    respondent id is taken from the ``rater`` column (as text), so two submissions of one person
    must be reduced to one before (e.g. keep the latest).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"respondent_id": [7, 8],
    ...                       "answers": [{"csat": 4}, {"csat": 5, "recommend": 9}]})
    >>> tidy_responses(frame).values.tolist()
    [['7', 'csat', 4], ['8', 'csat', 5], ['8', 'recommend', 9]]
    """
    import pandas as pd

    rows = zip(submissions[rater].astype(str), submissions["answers"], strict=True)
    tidy = _tidy_submissions(rows)
    frame = pd.DataFrame({"respondent_id": tidy.respondent, "item_id": tidy.item, "value": tidy.value})
    if all(part is None for part in tidy.part):
        return frame.astype({"value": object}) if frame.empty else frame
    return frame.assign(part=pd.Series(tidy.part, dtype=object))[[*COLUMNS, "part"]]


def latest_per_rater(submissions: pd.DataFrame) -> pd.DataFrame:
    """The last submission of each rater, with a ``rater`` column: a member by ``respondent_id``, an
    anonymous submission on its own (by ``submission_id``). Rows oldest first, as
    :meth:`workbook.store.Store.submissions` returns them; the result keeps that order.

    >>> import pandas as pd
    >>> people = pd.array([7, 7, None], dtype="Int64")
    >>> frame = pd.DataFrame({"submission_id": [1, 2, 3], "respondent_id": people})
    >>> latest_per_rater(frame)["submission_id"].tolist()
    [2, 3]
    """
    anonymous = "s" + submissions["submission_id"].astype(str)
    rater = submissions["respondent_id"].astype("string").fillna(anonymous)
    return submissions.assign(rater=rater).drop_duplicates("rater", keep="last")


def score_submissions(
    submissions: pd.DataFrame | Iterable[Mapping[str, Any]],
    instrument: Instrument | str,
    *,
    lang: str | None = None,
) -> InstrumentResult:
    """Score stored submissions of one instrument (one team, one account) as one group of raters.

    ``submissions``: a DataFrame as :meth:`workbook.store.Store.submissions` returns, or its
    records (:meth:`~workbook.store.Store.submission_records`), oldest first; only
    ``submission_id, respondent_id, answers`` are read. Each rater counts once, with the answers
    they sent last: a member by ``respondent_id``, an anonymous submission on its own (by
    ``submission_id``). The segment stored under :data:`SEGMENT_KEY` (the latest given) is passed
    to :func:`score`.

    >>> worst, best = {"recommend": 0, "csat": 1, "ces": 1}, {"recommend": 10, "csat": 5, "ces": 7}
    >>> rows = [{"submission_id": 1, "respondent_id": 7, "answers": worst},
    ...         {"submission_id": 2, "respondent_id": 7, "answers": best},     # 7 changed their mind
    ...         {"submission_id": 3, "respondent_id": None, "answers": best}]  # one anonymous
    >>> result = score_submissions(rows, "pulse")
    >>> result.n_respondents, result.index
    (2, 100.0)
    """
    latest = _rater_records(submissions)
    given = [answers.get(SEGMENT_KEY) for _, answers in latest]
    segments = list(dict.fromkeys(s for s in given if not _missing(s)))
    rows = [(rater, {k: v for k, v in answers.items() if k != SEGMENT_KEY}) for rater, answers in latest]
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    return _score(inst, _tidy_submissions(rows), segment=segments[-1] if segments else None, lang=lang)


def team_results(
    submissions: pd.DataFrame,
    by: Sequence[str] = ("team", "instrument_id", "account"),
    *,
    lang: str | None = None,
) -> dict[tuple, InstrumentResult]:
    """Stored submissions → one :class:`InstrumentResult` per group, as the apps and reports show them.

    Rows are grouped by the columns ``by`` (each group must hold one instrument, so ``by`` names
    ``instrument_id`` unless the rows are of one instrument already) and each group is scored by
    :func:`score_submissions`: every rater once, with the answers sent last. Keys are the
    tuples of the ``by`` values, an empty ``account`` as ``None``; groups come in the order of
    their first submission. No rows: an empty dict.

    >>> import pandas as pd
    >>> best = {"recommend": 10, "csat": 5, "ces": 7}
    >>> frame = pd.DataFrame({"submission_id": [1, 2, 3], "team": ["East", "West", "East"],
    ...                       "instrument_id": "pulse", "account": None,
    ...                       "respondent_id": pd.array([7, 8, 9], dtype="Int64"), "answers": [best] * 3})
    >>> {key: result.n_respondents for key, result in team_results(frame).items()}
    {('East', 'pulse', None): 2, ('West', 'pulse', None): 1}
    >>> list(team_results(frame, ("team",)))
    [('East',), ('West',)]
    """
    if submissions.empty:
        return {}
    columns = list(by)
    keyed = submissions
    if "account" in columns:  # pandas drops groups whose key is missing; no account is a group too
        keyed = submissions.assign(account=submissions["account"].fillna(""))
    results = {}
    for key, group in keyed.groupby(columns, sort=False):
        values = (None if c == "account" and v == "" else v for c, v in zip(columns, key, strict=True))
        instruments = group["instrument_id"].unique()
        if len(instruments) != 1:  # a programming error: several questionnaires cannot be scored as one
            raise ValueError(f"team_results: {len(instruments)} instruments in a group; add instrument_id")
        results[tuple(values)] = score_submissions(group, instruments[0], lang=lang)
    return results


def score(
    instrument: Instrument | str,
    responses: pd.DataFrame | Mapping[str, object],
    *,
    segment: str | None = None,
    lang: str | None = None,
) -> InstrumentResult:
    """Score the answers to an instrument.

    Each answer is recoded and put on 0–100, averaged per respondent and dimension, then
    over respondents (each rater counts once), then weighted into the index:

    * reverse item: v′ = min + max − v;
    * item score: s = 100 · (v′ − min) / (max − min);
      paired item (gap g = second part − first part, e.g. perception − expectation):
      s = 100 · (g + (max − min)) / (2 (max − min)), so g = 0 gives 50;
    * dimension score: mean over respondents of each respondent's mean item score;
    * index = Σ wᵈ · scoreᵈ / Σ wᵈ over dimensions with answers; the level is the band
      whose ``from`` ≤ index (< ``to``);
    * plan priority = (100 − scoreᵈ) · wᵈ, highest first;
    * Cronbach's alpha per dimension (k items, respondents with every item answered,
      sample variances): α = k/(k − 1) · (1 − Σ σ²ᵢ / σ²_total).

    Parameters
    ----------
    instrument : Instrument or str
        An instrument, or an id/path for :func:`load_instrument`.
    responses : DataFrame or dict
        Tidy answers ``respondent_id, item_id, value`` (plus ``part`` for a paired
        instrument), or one respondent's ``{item_id: value}`` (``{item_id: {part: value}}``
        when paired). Empty values count as unanswered.
    segment : str, optional
        Segment of the respondents (e.g. dealer class ``"B"``): items whose ``applies_to``
        leaves it out are not asked and not scored. Required if the instrument has segments.
    lang : str, optional
        Language of the names and recommendations in the result (default: active language).

    Raises
    ------
    WorkbookInputError
        Unknown items or parts, values off the scale, duplicate answers, required items
        left unanswered (named per respondent), no scored answer at all.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.
    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: a multiple-item scale for
    measuring consumer perceptions of service quality. *Journal of Retailing*, 64(1), 12–40.

    Examples
    --------
    >>> r = score("pulse", {"recommend": 10, "csat": 5, "ces": 7}, lang="en")
    >>> r.index, r.level, r.level_name
    (100.0, 'excellent', 'excellent')
    """
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    return _score(inst, _tidy(inst, responses), segment=segment, lang=lang)


def _score(inst: Instrument, tidy: _Answers, *, segment: str | None, lang: str | None) -> InstrumentResult:
    if inst.paired is None:
        tidy = tidy._replace(part=[None] * len(tidy.item))
    else:
        tidy = tidy._replace(part=[str(p) for p in tidy.part])  # a missing part is named, as "None"
    items = _applicable_items(inst, segment)
    tidy = _check_answers(inst, tidy, items)
    answers = _item_scores(inst, tidy, items)
    if not len(answers.score):
        raise WorkbookInputError(inst.id, [Problem("instruments.responses_empty")])
    dims, per_respondent = _dimension_scores(inst, answers, items, lang)
    present = [d for d in dims if not math.isnan(d.score)]
    index = sum(d.score * d.weight for d in present) / sum(d.weight for d in present)
    level = inst.band_of(index)[0]
    band = inst.band(level)
    numeric = [items[i].type == "numeric" for i in tidy.item]
    return InstrumentResult(
        instrument_id=inst.id,
        version=inst.version,
        segment=segment,
        n_respondents=len(set(tidy.respondent)),
        index=float(index),
        level=level,
        level_name=band.name.get(lang),
        reason=i18n.t(
            "instruments.reason", lang, index=index, band=band.name.get(lang), low=band.lower, high=band.upper
        ),
        weakest=_weakest(dims),
        by_dimension=dims,
        by_item=_item_rows(inst, answers, lang),
        by_respondent=_respondent_rows(inst, dims, per_respondent),
        other=tuple(
            (who, item, value)
            for who, item, value, scored in zip(tidy.respondent, tidy.item, tidy.value, numeric, strict=True)
            if not scored
        ),
        part_ids=tuple(p.id for p in inst.paired or ()),
    )


# --------------------------------------------------------------------------------- answers in


def _applicable_items(inst: Instrument, segment: str | None) -> dict[str, ItemMeta]:
    codes = [s.id for s in inst.segments or []]
    if not codes:
        return inst.item_meta
    if segment not in codes:
        key = "instruments.segment_required" if segment is None else "instruments.unknown_segment_argument"
        raise WorkbookInputError(inst.id, [Problem(key, params={"segment": segment, "known": _known(codes)})])
    return {i: m for i, m in inst.item_meta.items() if m.applies_to is None or segment in m.applies_to}


def _tidy(inst: Instrument, responses: object) -> _Answers:
    """Answers as parallel lists ``respondent, item, part, value``, blanks dropped later."""
    paired = inst.paired is not None
    if isinstance(responses, Mapping):  # one respondent: a loop over items, not rows
        return _tidy_submissions([(SINGLE_RESPONDENT, responses)], split=paired)
    if not hasattr(responses, "columns"):
        raise WorkbookInputError(
            inst.id, [Problem("instruments.responses_type", params={"type": type(responses).__name__})]
        )
    needed = [*COLUMNS[:2], "part", "value"] if paired else list(COLUMNS)
    missing = [c for c in needed if c not in responses.columns]
    if missing:
        raise WorkbookInputError(
            inst.id,
            [
                Problem(
                    "instruments.responses_missing_column",
                    params={"columns": ", ".join(missing), "needed": ", ".join(needed)},
                )
            ],
        )
    column = {c: responses[c].tolist() for c in needed}
    parts = column["part"] if paired else [None] * len(responses)
    return _Answers(column["respondent_id"], [str(i) for i in column["item_id"]], parts, column["value"])


def _listed(values: Iterable[object]) -> str:
    values = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(values[: DEFAULTS.max_listed])
    return shown + (
        f", … (+{len(values) - DEFAULTS.max_listed})" if len(values) > DEFAULTS.max_listed else ""
    )


def _answered(value: object) -> bool:
    """Not missing, and for text not blank."""
    return not _missing(value) and not (isinstance(value, str) and not value.strip())


def _check_answers(inst: Instrument, tidy: _Answers, items: Mapping[str, ItemMeta]) -> _Answers:
    """Unknown items/parts, duplicates and unanswered required items; returns answered, applicable rows."""
    problems = []
    unknown = [i for i in tidy.item if i not in inst.item_meta]
    if unknown:
        problems.append(
            Problem(
                "instruments.responses_unknown_item",
                params={"items": _listed(unknown), "known": _listed(inst.item_meta)},
            )
        )
    if inst.paired is not None:
        parts = [p.id for p in inst.paired]
        bad = [p for p in tidy.part if p not in parts]
        if bad:
            problems.append(
                Problem(
                    "instruments.responses_unknown_part",
                    params={"parts": _listed(bad), "known": _known(parts)},
                )
            )
    answered = [_answered(v) for v in tidy.value]
    keys = list(zip(tidy.respondent, tidy.item, tidy.part, strict=True))
    given = [k for k, a in zip(keys, answered, strict=True) if a]
    seen: dict[tuple, int] = {}
    for key in given:
        seen[key] = seen.get(key, 0) + 1
    doubled = [k for k in given if seen[k] > 1]
    if doubled:
        problems.append(
            Problem(
                "instruments.responses_duplicate",
                params={
                    "respondents": _listed(k[0] for k in doubled),
                    "items": _listed(k[1] for k in doubled),
                },
            )
        )
    problems += _unanswered(inst, tidy.respondent, set(given), items)
    if problems:
        raise WorkbookInputError(inst.id, problems)
    return tidy.take([a and i in items for a, i in zip(answered, tidy.item, strict=True)])


def _unanswered(
    inst: Instrument, respondents: list, given: set[tuple], items: Mapping[str, ItemMeta]
) -> list[Problem]:
    required = [i for i, m in items.items() if m.required]
    parts = [p.id for p in inst.paired] if inst.paired is not None else [None]
    expected = [(r, i, p) for r in dict.fromkeys(respondents) for i in required for p in parts]
    missing = [key for key in expected if key not in given]
    if not missing:
        return []
    if given:  # listed in sorted order, as a reader scans them
        missing.sort(key=lambda key: tuple("" if k is None else k for k in key))
    return [
        Problem(
            "instruments.responses_missing_required",
            params={
                "respondents": _listed(k[0] for k in missing),
                "n": len({k[0] for k in missing}),
                "items": _listed(k[1] for k in missing),
            },
        )
    ]


class _Scored(NamedTuple):
    """Numeric answers recoded and on 0–100, as parallel arrays (one entry per respondent × item)."""

    respondent: list
    item: list[str]
    dimension: list[str]
    raw: np.ndarray  # recoded answer, or the gap of a paired item
    score: np.ndarray  # 0–100
    parts: dict[str, np.ndarray]  # paired instruments: each part's recoded answer


def _number(value: object) -> float:
    """A rating as a float; NaN for what is not a number (named by :func:`_check_values`)."""
    if isinstance(value, str) and "_" in value:  # Python reads "1_0" as 10; a person did not mean it
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _item_scores(inst: Instrument, tidy: _Answers, items: Mapping[str, ItemMeta]) -> _Scored:
    """Numeric answers, recoded (reverse items) and put on 0–100."""
    numeric = tidy.take([items[i].type == "numeric" for i in tidy.item])
    meta = [items[i] for i in numeric.item]
    value = np.array([_number(v) for v in numeric.value], dtype=float)
    low = np.array([m.min for m in meta], dtype=float)
    high = np.array([m.max for m in meta], dtype=float)
    _check_values(inst, numeric, value, low, high)
    # Reverse items are recoded so that a higher number always means a better relationship.
    raw = np.where(np.array([m.reverse for m in meta], dtype=bool), low + high - value, value)
    dimension = [m.dimension for m in meta]
    if inst.paired is None:
        return _Scored(numeric.respondent, numeric.item, dimension, raw, 100 * (raw - low) / (high - low), {})
    return _paired_scores(inst, numeric, raw, items)


def _check_values(
    inst: Instrument, numeric: _Answers, value: np.ndarray, low: np.ndarray, high: np.ndarray
) -> None:
    problems = []
    text = np.isnan(value)
    if text.any():
        rows = numeric.take(text)
        problems.append(
            Problem(
                "instruments.responses_not_numeric",
                params={"items": _listed(rows.item), "values": _listed(rows.value)},
            )
        )
    off = ~text & ((value < low) | (value > high))
    if off.any():
        rows = numeric.take(off)
        ranges = [f"{i} {lo:g}–{hi:g}" for i, lo, hi in zip(rows.item, low[off], high[off], strict=True)]
        problems.append(
            Problem(
                "instruments.responses_out_of_range",
                params={"items": _listed(ranges), "values": _listed(rows.value)},
            )
        )
    if problems:
        raise WorkbookInputError(inst.id, problems)


def _paired_scores(
    inst: Instrument, numeric: _Answers, raw: np.ndarray, items: Mapping[str, ItemMeta]
) -> _Scored:
    """One row per respondent × item answered in both parts (sorted by both), scored on the gap."""
    first, second = (p.id for p in inst.paired)
    cells: dict[tuple, dict[str, Any]] = {}
    for who, item, part, value in zip(numeric.respondent, numeric.item, numeric.part, raw, strict=True):
        cells.setdefault((who, item), {})[part] = value
    both = sorted(key for key, given in cells.items() if first in given and second in given)
    meta = [items[item] for _, item in both]
    span = np.array([m.max for m in meta], dtype=float) - np.array([m.min for m in meta], dtype=float)
    parts = {p: np.array([cells[key][p] for key in both], dtype=float) for p in (first, second)}
    gap = parts[second] - parts[first]
    return _Scored(
        [who for who, _ in both], [item for _, item in both], [m.dimension for m in meta],
        gap, 100 * (gap + span) / (2 * span), parts,
    )  # fmt: skip


# --------------------------------------------------------------------------------- results out


def _codes(values: Sequence) -> tuple[list, np.ndarray]:
    """The distinct values in order of first appearance, and each value's position among them.

    >>> _codes(["b", "a", "b"])
    (['b', 'a'], array([0, 1, 0]))
    """
    position: dict = {}
    codes = [position.setdefault(v, len(position)) for v in values]
    return list(position), np.array(codes, dtype=np.intp)


def _cell_means(
    rows: np.ndarray, columns: np.ndarray, values: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """Mean of ``values`` per (row, column) cell; NaN where a cell has none."""
    total, count = np.zeros(shape), np.zeros(shape)
    np.add.at(total, (rows, columns), values)
    np.add.at(count, (rows, columns), 1)
    return np.divide(total, count, out=np.full(shape, np.nan), where=count > 0)


def _column_stats(table: np.ndarray) -> dict[str, np.ndarray]:
    """Per column, skipping NaN: ``n``, ``mean``, ``sd`` (sample, ``ddof=1``) and ``range`` (max − min)."""
    present = ~np.isnan(table)
    n = present.sum(axis=0)
    nan = np.full(table.shape[1], np.nan)
    mean = np.divide(np.where(present, table, 0).sum(axis=0), n, out=nan.copy(), where=n > 0)
    squares = np.where(present, (table - mean) ** 2, 0).sum(axis=0)
    high = np.where(present, table, -np.inf).max(axis=0, initial=-np.inf)
    low = np.where(present, table, np.inf).min(axis=0, initial=np.inf)
    return {
        "n": n,
        "mean": mean,
        "sd": np.sqrt(np.divide(squares, n - 1, out=nan.copy(), where=n > 1)),
        "range": np.where(n > 0, high - low, np.nan),
    }


def _dimension_scores(
    inst: Instrument, answers: _Scored, items: Mapping[str, ItemMeta], lang: str | None
) -> tuple[tuple[DimensionScore, ...], tuple[list, np.ndarray]]:
    """The dimension rows, and the respondents × dimensions table of 0–100 scores they come from."""
    ids = [d.id for d in inst.dimensions]
    people, who = _codes(answers.respondent)
    column = {d: j for j, d in enumerate(ids)}
    where = np.array([column[d] for d in answers.dimension], dtype=np.intp)
    shape = (len(people), len(ids))
    per_respondent = _cell_means(who, where, answers.score, shape)
    stats = _column_stats(per_respondent)
    raw = _column_stats(_cell_means(who, where, answers.raw, shape))["mean"]
    parts = {p: _column_stats(_cell_means(who, where, v, shape))["mean"] for p, v in answers.parts.items()}
    alphas = _alphas(inst, answers, people, who)
    n_items = [sum(m.type == "numeric" and m.dimension == d for m in items.values()) for d in ids]
    bands = inst.band_of(stats["mean"])
    band_names = {b.code: b.name.get(lang) for b in inst.bands}
    rows = []
    for j, dim in enumerate(inst.dimensions):
        value, band = float(stats["mean"][j]), bands[j]
        texts = dim.recommendations.get(band) if band is not None else None
        rows.append(
            DimensionScore(
                dimension=dim.id,
                name=dim.name.get(lang),
                weight=dim.weight,
                n_items=n_items[j],
                n_respondents=int(stats["n"][j]),
                score=value,
                raw_score=float(raw[j]),
                band=band,
                band_name=band_names.get(band),
                gap=100 - value,
                priority=(100 - value) * dim.weight,
                rater_sd=float(stats["sd"][j]),
                rater_range=float(stats["range"][j]),
                alpha=alphas[dim.id],
                recommendation=texts.get(lang) if texts is not None else None,
                parts={p: float(v[j]) for p, v in parts.items()},
            )
        )
    return tuple(rows), (people, per_respondent)


def _alphas(inst: Instrument, answers: _Scored, people: list, who: np.ndarray) -> dict[str, float]:
    items, which = _codes(answers.item)
    wide = np.full((len(people), len(items)), np.nan)
    wide[who, which] = answers.raw
    item_dim = dict(zip(answers.item, answers.dimension, strict=True))
    result = {}
    for dim in inst.dimensions:  # a loop over dimensions (a handful), never over respondents
        block = wide[:, [j for j, i in enumerate(items) if item_dim[i] == dim.id]]
        result[dim.id] = _cronbach_alpha(block[~np.isnan(block).any(axis=1)])
    return result


def _cronbach_alpha(block: np.ndarray) -> float:
    """Cronbach's alpha of one dimension's complete answers (respondents × items); NaN when too few
    or no variance. The formula of :func:`workbook.satisfaction.cronbach_alpha` (listwise), on an
    array: that module needs pandas, which a trainee's kernel does without.

    >>> block = np.array([[1, 2, 2], [2, 3, 3], [3, 3, 4], [4, 4, 5], [5, 5, 5]])
    >>> round(_cronbach_alpha(block), 6)   # variances 2.5, 1.3, 1.7; of the totals 15.7: 3/2 · (1 − 5.5/15.7)
    0.974522
    """
    n, k = block.shape
    if n < DEFAULTS.alpha_min_respondents or k < DEFAULTS.alpha_min_items:
        return math.nan
    covariance = np.cov(block, rowvar=False, ddof=1)
    total = covariance.sum()
    if not total > 0:
        return math.nan
    return float(k / (k - 1) * (1 - np.trace(covariance) / total))


def _item_rows(inst: Instrument, answers: _Scored, lang: str | None) -> tuple[ItemScore, ...]:
    ids, which = _codes(answers.item)
    count = np.bincount(which, minlength=len(ids))

    def mean(values: np.ndarray) -> np.ndarray:
        return np.bincount(which, weights=values, minlength=len(ids)) / count

    raw, score = mean(answers.raw), mean(answers.score)
    parts = {p: mean(v) for p, v in answers.parts.items()}
    at = {item: j for j, item in enumerate(ids)}
    return tuple(
        ItemScore(
            item_id=it.id,
            dimension=it.dimension,
            text=it.text.get(lang),
            reverse=it.reverse,
            n=int(count[at[it.id]]),
            mean=float(raw[at[it.id]]),
            score=float(score[at[it.id]]),
            parts={p: float(v[at[it.id]]) for p, v in parts.items()},
        )
        for it in inst.items
        if it.id in at
    )


def _respondent_rows(
    inst: Instrument, dims: Sequence[DimensionScore], per_respondent: tuple[list, np.ndarray]
) -> tuple[RespondentScore, ...]:
    people, table = per_respondent
    weights = np.array([d.weight for d in dims], dtype=float)
    present = ~np.isnan(table)
    index = np.where(present, table, 0) @ weights / (present @ weights)
    levels = inst.band_of(index)
    ids = [d.dimension for d in dims]
    return tuple(
        RespondentScore(person, dict(zip(ids, map(float, row), strict=True)), float(i), level)
        for person, row, i, level in zip(people, table, index, levels, strict=True)
    )


def _weakest(dims: Sequence[DimensionScore]) -> tuple[str, ...]:
    present = sorted((d for d in dims if not math.isnan(d.score)), key=lambda d: _rounded(d.score))  # stable
    if not present:
        return ()
    cutoff = _rounded(present[min(DEFAULTS.n_weakest, len(present)) - 1].score)
    return tuple(d.dimension for d in present if _rounded(d.score) <= cutoff)


def _rounded(value: float) -> float:
    """``value`` to 9 decimals: equal scores reached by different sums tie, whatever the float noise.

    >>> _rounded(39.583333333333336) == _rounded(39.58333333333333)
    True
    """
    return round(value, SCORE_DECIMALS)
