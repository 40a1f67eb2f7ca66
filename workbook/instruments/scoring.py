"""Scoring a filled-in instrument: dimension scores, a weighted 0–100 index, its band, a plan.

:func:`score` takes one respondent's answers (a dict) or a tidy table of many
(:func:`tidy_responses` builds it from stored submissions; :func:`score_submissions`
does both) and returns an :class:`InstrumentResult`: dimension scores, the weighted index
and its level band, the weakest dimensions, an improvement plan, the spread between
raters and Cronbach's alpha.

Example
-------
>>> from workbook.instruments import load_instrument
>>> pulse = load_instrument("pulse")
>>> result = score(pulse, {"recommend": 9, "csat": 4, "ces": 6}, lang="en")
>>> round(result.index, 1), result.level     # 0.4·90 + 0.3·75 + 0.3·83.3
(83.5, 'good')
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbook import i18n
from workbook.errors import Problem, WorkbookInputError
from workbook.instruments.loader import _known, load_instrument
from workbook.instruments.schema import DEFAULTS, Instrument
from workbook.satisfaction import cronbach_alpha


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
    dimensions : DataFrame
        Index ``dimension``; columns ``name, weight, n_items, n_respondents, score`` (0–100),
        ``raw_score`` (mean on the answer scale; for paired instruments the mean gap),
        ``band, band_name, gap`` (100 − score), ``priority`` (gap × weight), ``rater_sd,
        rater_range`` (spread of the respondents' dimension scores, 0–100 points), ``alpha``
        (Cronbach's alpha, NaN below the minimum respondents/items), ``recommendation``;
        paired instruments add the mean of each part (e.g. ``expectation, perception``).
    items : DataFrame
        Index ``item_id``; ``dimension, text, reverse, n, mean`` (recoded raw value, or gap),
        ``score`` (0–100), and the mean of each part for paired instruments.
    respondents : DataFrame
        Index ``respondent_id``; one 0–100 column per dimension, ``index`` and ``level``.
    plan : DataFrame
        The improvement plan: one row per scored dimension, highest ``priority`` first, with
        ``rank, dimension, name, score, band, band_name, weight, gap, priority, recommendation``.
    weakest : tuple of str
        The lowest-scoring dimensions (``DEFAULTS.n_weakest``, ties included).
    other_answers : DataFrame
        Answers to unscored (choice and text) items: ``respondent_id, item_id, value``.
    """

    instrument_id: str
    version: str
    segment: str | None
    n_respondents: int
    index: float
    level: str
    level_name: str
    reason: str
    dimensions: pd.DataFrame
    items: pd.DataFrame
    respondents: pd.DataFrame
    plan: pd.DataFrame
    weakest: tuple[str, ...]
    other_answers: pd.DataFrame


COLUMNS = ("respondent_id", "item_id", "value")  # tidy responses; paired instruments add "part"
SINGLE_RESPONDENT = "1"  # respondent id given to the answers of a dict
SEGMENT_KEY = "_segment"  # stored beside the answers: the segment (e.g. dealer class) they were given for
ACCOUNT_INSTRUMENTS = ("relationship",)  # instruments that rate one key account


def tidy_responses(submissions: pd.DataFrame, rater: str = "respondent_id") -> pd.DataFrame:
    """Stored submissions (one row each, ``answers`` a dict) as the tidy table :func:`score` takes.

    Each submission's ``{item_id: value}`` becomes rows ``respondent_id, item_id, value``; a paired
    answer ``{item_id: {part: value}}`` becomes one row per part with a ``part`` column. The
    respondent id is taken from the ``rater`` column (as text), so two submissions of one person
    must be reduced to one before (e.g. keep the latest).

    >>> frame = pd.DataFrame({"respondent_id": [7, 8],
    ...                       "answers": [{"csat": 4}, {"csat": 5, "recommend": 9}]})
    >>> tidy_responses(frame).values.tolist()
    [['7', 'csat', 4], ['8', 'csat', 5], ['8', 'recommend', 9]]
    """
    pairs = [
        (str(who), item, value)
        for who, answers in zip(submissions[rater], submissions["answers"], strict=True)
        for item, value in answers.items()
    ]
    flat = pd.DataFrame(pairs, columns=list(COLUMNS))
    paired = flat["value"].map(lambda value: isinstance(value, dict))
    if not paired.any():
        return flat
    parts = [
        (who, item, part, value)
        for who, item, answer in flat[paired].itertuples(index=False)
        for part, value in answer.items()
    ]
    return pd.concat(
        [flat[~paired].assign(part=None), pd.DataFrame(parts, columns=[*COLUMNS[:2], "part", "value"])],
        ignore_index=True,
    )[[*COLUMNS, "part"]]


def latest_per_rater(submissions: pd.DataFrame) -> pd.DataFrame:
    """The last submission of each rater, with a ``rater`` column: a member by ``respondent_id``, an
    anonymous submission on its own (by ``submission_id``). Rows oldest first, as
    :meth:`workbook.store.Store.submissions` returns them; the result keeps that order.

    >>> people = pd.array([7, 7, None], dtype="Int64")
    >>> frame = pd.DataFrame({"submission_id": [1, 2, 3], "respondent_id": people})
    >>> latest_per_rater(frame)["submission_id"].tolist()
    [2, 3]
    """
    anonymous = "s" + submissions["submission_id"].astype(str)
    rater = submissions["respondent_id"].astype("string").fillna(anonymous)
    return submissions.assign(rater=rater).drop_duplicates("rater", keep="last")


def score_submissions(
    submissions: pd.DataFrame, instrument: Instrument | str, *, lang: str | None = None
) -> InstrumentResult:
    """Score stored submissions of one instrument (one team, one account) as one group of raters.

    Each rater counts once, with the answers they sent last: a member by ``respondent_id``, an
    anonymous submission on its own (by ``submission_id``); rows are taken oldest first, as
    :meth:`workbook.store.Store.submissions` returns them. The segment stored under
    :data:`SEGMENT_KEY` (the latest given) is passed to :func:`score`.

    >>> worst, best = {"recommend": 0, "csat": 1, "ces": 1}, {"recommend": 10, "csat": 5, "ces": 7}
    >>> frame = pd.DataFrame({"submission_id": [1, 2, 3],
    ...                       "respondent_id": pd.array([7, 7, None], dtype="Int64"),
    ...                       "answers": [worst, best, best]})
    >>> result = score_submissions(frame, "pulse")   # member 7 changed their mind; one anonymous
    >>> result.n_respondents, result.index
    (2, 100.0)
    """
    latest = latest_per_rater(submissions)
    segments = latest["answers"].map(lambda answers: answers.get(SEGMENT_KEY)).dropna().unique()
    answers = latest["answers"].map(lambda given: {k: v for k, v in given.items() if k != SEGMENT_KEY})
    responses = tidy_responses(latest.assign(answers=answers), rater="rater")
    return score(instrument, responses, segment=segments[-1] if len(segments) else None, lang=lang)


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
    items = _applicable_items(inst, segment)
    tidy = _tidy(inst, responses)
    tidy = _check_answers(inst, tidy, items)
    answers = _item_scores(inst, tidy, items)
    if answers.empty:
        raise WorkbookInputError(inst.id, [Problem("instruments.responses_empty")])
    per_respondent = answers.pivot_table(
        index="respondent_id", columns="dimension", values="score", aggfunc="mean", sort=False
    )
    dims = _dimension_table(inst, answers, per_respondent, items, lang)
    index = _weighted(dims["score"], dims["weight"])
    level = inst.band_of(index)[0]
    band = inst.band(level)
    return InstrumentResult(
        instrument_id=inst.id,
        version=inst.version,
        segment=segment,
        n_respondents=int(tidy["respondent_id"].nunique()),
        index=float(index),
        level=level,
        level_name=band.name.get(lang),
        reason=i18n.t(
            "instruments.reason", lang, index=index, band=band.name.get(lang), low=band.lower, high=band.upper
        ),
        dimensions=dims,
        items=_item_table(inst, answers, lang),
        respondents=_respondent_table(inst, per_respondent, dims["weight"]),
        plan=_plan(dims),
        weakest=_weakest(dims["score"]),
        other_answers=tidy.loc[
            ~tidy["item_id"].map(items["type"]).eq("numeric"), ["respondent_id", "item_id", "value"]
        ].reset_index(drop=True),
    )


# --------------------------------------------------------------------------------- answers in


def _applicable_items(inst: Instrument, segment: str | None) -> pd.DataFrame:
    table = inst.item_table
    codes = [s.id for s in inst.segments or []]
    if not codes:
        return table
    if segment not in codes:
        key = "instruments.segment_required" if segment is None else "instruments.unknown_segment_argument"
        raise WorkbookInputError(inst.id, [Problem(key, params={"segment": segment, "known": _known(codes)})])
    applies = table["applies_to"].map(lambda codes_: codes_ is None or segment in codes_)
    return table[applies.astype(bool)]


def _tidy(inst: Instrument, responses: object) -> pd.DataFrame:
    """Answers as ``respondent_id, item_id[, part], value`` (object values), blanks dropped later."""
    paired = inst.paired is not None
    if isinstance(responses, Mapping):
        records = []
        for item_id, value in responses.items():  # one respondent: a loop over items, not rows
            if paired and isinstance(value, Mapping):
                records += [(SINGLE_RESPONDENT, str(item_id), str(p), v) for p, v in value.items()]
            else:
                records.append((SINGLE_RESPONDENT, str(item_id), None, value))
        frame = pd.DataFrame(records, columns=["respondent_id", "item_id", "part", "value"], dtype=object)
        return frame if paired else frame.drop(columns="part")
    if not isinstance(responses, pd.DataFrame):
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
    frame = responses[needed].copy()
    frame["item_id"] = frame["item_id"].astype(str)
    if paired:
        frame["part"] = frame["part"].astype(str)
    return frame.reset_index(drop=True)


def _listed(values: Iterable[object]) -> str:
    values = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(values[: DEFAULTS.max_listed])
    return shown + (
        f", … (+{len(values) - DEFAULTS.max_listed})" if len(values) > DEFAULTS.max_listed else ""
    )


def _check_answers(inst: Instrument, tidy: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Unknown items/parts, duplicates and unanswered required items; returns answered, applicable rows."""
    problems = []
    unknown = ~tidy["item_id"].isin(inst.item_table.index)
    if unknown.any():
        problems.append(
            Problem(
                "instruments.responses_unknown_item",
                params={
                    "items": _listed(tidy.loc[unknown, "item_id"]),
                    "known": _listed(inst.item_table.index),
                },
            )
        )
    keys = ["respondent_id", "item_id"]
    if inst.paired is not None:
        keys.append("part")
        parts = [p.id for p in inst.paired]
        bad = ~tidy["part"].isin(parts)
        if bad.any():
            problems.append(
                Problem(
                    "instruments.responses_unknown_part",
                    params={"parts": _listed(tidy.loc[bad, "part"]), "known": _known(parts)},
                )
            )
    value = tidy["value"]
    answered = value.notna()
    if not pd.api.types.is_numeric_dtype(value):  # text answers: blank text is unanswered too
        answered &= value.astype("string").str.strip().ne("").fillna(False)
    doubled = tidy[answered].duplicated(keys, keep=False)
    if doubled.any():
        rows = tidy[answered][doubled]
        problems.append(
            Problem(
                "instruments.responses_duplicate",
                params={"respondents": _listed(rows["respondent_id"]), "items": _listed(rows["item_id"])},
            )
        )
    problems += _unanswered(inst, tidy, tidy[answered], items)
    if problems:
        raise WorkbookInputError(inst.id, problems)
    return tidy[answered & tidy["item_id"].isin(items.index)].reset_index(drop=True)


def _unanswered(
    inst: Instrument, tidy: pd.DataFrame, answered: pd.DataFrame, items: pd.DataFrame
) -> list[Problem]:
    required = items.index[items["required"]]
    respondents = tidy["respondent_id"].unique()
    levels = [respondents, required]
    names = ["respondent_id", "item_id"]
    if inst.paired is not None:
        levels.append([p.id for p in inst.paired])
        names.append("part")
    expected = pd.MultiIndex.from_product(levels, names=names)
    given = pd.MultiIndex.from_frame(answered[names]) if len(answered) else expected[:0]
    missing = expected.difference(given).to_frame(index=False)
    if missing.empty:
        return []
    return [
        Problem(
            "instruments.responses_missing_required",
            params={
                "respondents": _listed(missing["respondent_id"]),
                "n": missing["respondent_id"].nunique(),
                "items": _listed(missing["item_id"]),
            },
        )
    ]


def _item_scores(inst: Instrument, tidy: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Numeric answers, recoded and put on 0–100: ``respondent_id, item_id, dimension, raw, score``."""
    numeric = tidy[tidy["item_id"].map(items["type"]).eq("numeric")].copy()
    meta = items.loc[numeric["item_id"]]
    value = pd.to_numeric(numeric["value"], errors="coerce").to_numpy(dtype=float)
    low, high = meta["min"].to_numpy(dtype=float), meta["max"].to_numpy(dtype=float)
    _check_values(inst, numeric, value, low, high)
    # Reverse items are recoded so that a higher number always means a better relationship.
    numeric["raw"] = np.where(meta["reverse"].to_numpy(dtype=bool), low + high - value, value)
    numeric["dimension"] = meta["dimension"].to_numpy()
    if inst.paired is None:
        numeric["score"] = 100 * (numeric["raw"] - low) / (high - low)
        return numeric[["respondent_id", "item_id", "dimension", "raw", "score"]]
    return _paired_scores(inst, numeric, items)


def _check_values(
    inst: Instrument, numeric: pd.DataFrame, value: np.ndarray, low: np.ndarray, high: np.ndarray
) -> None:
    problems = []
    text = np.isnan(value)
    if text.any():
        rows = numeric[text]
        problems.append(
            Problem(
                "instruments.responses_not_numeric",
                params={"items": _listed(rows["item_id"]), "values": _listed(rows["value"])},
            )
        )
    off = ~text & ((value < low) | (value > high))
    if off.any():
        rows = numeric[off]
        ranges = (
            rows["item_id"]
            + " "
            + pd.Series(low[off], index=rows.index).map("{:g}".format)
            + "–"
            + pd.Series(high[off], index=rows.index).map("{:g}".format)
        )
        problems.append(
            Problem(
                "instruments.responses_out_of_range",
                params={"items": _listed(ranges), "values": _listed(rows["value"])},
            )
        )
    if problems:
        raise WorkbookInputError(inst.id, problems)


def _paired_scores(inst: Instrument, numeric: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    first, second = (p.id for p in inst.paired)
    wide = numeric.pivot(index=["respondent_id", "item_id"], columns="part", values="raw")
    wide = wide.reindex(columns=[first, second]).dropna().reset_index()  # an optional item needs both parts
    meta = items.loc[wide["item_id"]]
    span = (meta["max"] - meta["min"]).to_numpy(dtype=float)
    wide["raw"] = wide[second] - wide[first]
    wide["score"] = 100 * (wide["raw"] + span) / (2 * span)
    wide["dimension"] = meta["dimension"].to_numpy()
    wide.columns.name = None
    return wide[["respondent_id", "item_id", "dimension", "raw", "score", first, second]]


# --------------------------------------------------------------------------------- results out


def _weighted(scores: pd.Series, weights: pd.Series) -> float:
    present = scores.notna()
    return float((scores[present] * weights[present]).sum() / weights[present].sum())


def _dimension_table(
    inst: Instrument,
    answers: pd.DataFrame,
    per_respondent: pd.DataFrame,
    items: pd.DataFrame,
    lang: str | None,
) -> pd.DataFrame:
    ids = [d.id for d in inst.dimensions]
    per_respondent = per_respondent.reindex(columns=ids)
    raw = answers.groupby(["respondent_id", "dimension"])["raw"].mean().unstack().reindex(columns=ids)
    dims = pd.DataFrame(index=pd.Index(ids, name="dimension"))
    dims["name"] = [d.name.get(lang) for d in inst.dimensions]
    dims["weight"] = [d.weight for d in inst.dimensions]
    dims["n_items"] = (
        items[items["type"].eq("numeric")].groupby("dimension").size().reindex(ids, fill_value=0)
    )
    dims["n_respondents"] = per_respondent.count()
    dims["score"] = per_respondent.mean()
    dims["raw_score"] = raw.mean()
    if inst.paired is not None:
        for part in (p.id for p in inst.paired):
            dims[part] = (
                answers.groupby(["respondent_id", "dimension"])[part]
                .mean()
                .unstack()
                .reindex(columns=ids)
                .mean()
            )
    dims["band"] = inst.band_of(dims["score"])
    band_names = {b.code: b.name.get(lang) for b in inst.bands}
    dims["band_name"] = dims["band"].map(band_names)
    dims["gap"] = 100 - dims["score"]
    dims["priority"] = dims["gap"] * dims["weight"]
    dims["rater_sd"] = per_respondent.std(ddof=1)
    dims["rater_range"] = per_respondent.max() - per_respondent.min()
    dims["alpha"] = _alphas(inst, answers)
    texts = {
        (d.id, code): text.get(lang) for d in inst.dimensions for code, text in d.recommendations.items()
    }
    dims["recommendation"] = [texts.get((d, b)) for d, b in zip(dims.index, dims["band"], strict=True)]
    return dims


def _alphas(inst: Instrument, answers: pd.DataFrame) -> pd.Series:
    wide = answers.pivot(index="respondent_id", columns="item_id", values="raw")
    item_dim = answers.drop_duplicates("item_id").set_index("item_id")["dimension"]
    result = {}
    for dim in inst.dimensions:  # a loop over dimensions (a handful), never over respondents
        block = wide[item_dim.index[item_dim.eq(dim.id)]].dropna()
        result[dim.id] = _cronbach_alpha(block)
    return pd.Series(result, dtype=float)


def _cronbach_alpha(block: pd.DataFrame) -> float:
    """Cronbach's alpha of one dimension's items (complete answers); NaN when too few or no variance."""
    n, k = block.shape
    if n < DEFAULTS.alpha_min_respondents or k < DEFAULTS.alpha_min_items:
        return float("nan")
    if not block.sum(axis=1).var(ddof=1) > 0:
        return float("nan")
    return float(cronbach_alpha(block.astype(float), missing="listwise").alpha)


def _item_table(inst: Instrument, answers: pd.DataFrame, lang: str | None) -> pd.DataFrame:
    stats = answers.groupby("item_id", sort=False).agg(
        n=("raw", "count"), mean=("raw", "mean"), score=("score", "mean")
    )
    if inst.paired is not None:
        for part in (p.id for p in inst.paired):
            stats[part] = answers.groupby("item_id", sort=False)[part].mean()
    order = [it.id for it in inst.items if it.id in stats.index]
    texts = {it.id: (it.dimension, it.text.get(lang), it.reverse) for it in inst.items}
    table = stats.loc[order]
    meta = pd.DataFrame(
        [texts[i] for i in order], index=table.index, columns=["dimension", "text", "reverse"]
    )
    return pd.concat([meta, table], axis=1)


def _respondent_table(inst: Instrument, per_respondent: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    ids = [d.id for d in inst.dimensions]
    table = per_respondent.reindex(columns=ids)
    present = table.notna()
    weighted = table.fillna(0).mul(weights, axis=1).sum(axis=1)
    table["index"] = weighted / present.mul(weights, axis=1).sum(axis=1)
    table["level"] = inst.band_of(table["index"])
    table.columns.name = None
    return table


def _plan(dims: pd.DataFrame) -> pd.DataFrame:
    columns = ["name", "score", "band", "band_name", "weight", "gap", "priority", "recommendation"]
    plan = dims[dims["score"].notna()].sort_values("priority", ascending=False, kind="stable")[columns]
    plan = plan.reset_index()
    plan.insert(0, "rank", np.arange(1, len(plan) + 1))
    return plan


def _weakest(scores: pd.Series) -> tuple[str, ...]:
    present = scores.dropna()
    if present.empty:
        return ()
    cutoff = present.nsmallest(DEFAULTS.n_weakest).max()
    return tuple(present[present <= cutoff].sort_values(kind="stable").index)
