"""Module 4 tasks: the evaluation toolkit (NPS, CSAT, SERVQUAL gaps and priorities, importance–performance).

A new task of this module is one more ``Task`` in the ``_register`` call below, its texts
in ``workbook/locales/exercises.yaml``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from workbook import satisfaction
from workbook.exercises.engine import Mistake, Task, _register
from workbook.i18n import label, t


def _nps_scores() -> pd.Series:
    return pd.Series([9, 7, 10, 6, 9, 8, 10, 4, 9, 7, 10, 6, 8, 9, 2, 10, 7, 6, 9, 8], name="recommend_score")


def _nps(scores: pd.Series) -> float:
    return float(satisfaction.nps(scores)["nps"].iloc[0])


def _passive(scores: pd.Series) -> pd.Series:
    return scores.between(
        satisfaction.DEFAULTS.nps_detractor_max + 1, satisfaction.DEFAULTS.nps_promoter_min - 1
    )


def _csat_ratings() -> pd.Series:
    return pd.Series([5, 4, 3, 4, 2, 5, 4, 3, 1, 4, 5, 3, 4, 2, 5, 3], name="csat")


def _csat(ratings: pd.Series, top: Sequence[int] = satisfaction.DEFAULTS.csat_top) -> float:
    return float(satisfaction.csat(ratings, top)["csat"].iloc[0])


def _servqual_answers() -> pd.DataFrame:
    items = {  # (expectation, perception) of five respondents per item, 1–7
        "reliability_1": ([7, 7, 6, 7, 6], [6, 6, 5, 6, 5]),
        "reliability_2": ([6, 7, 6, 6, 7], [6, 6, 6, 5, 6]),
        "responsiveness_1": ([7, 6, 7, 6, 7], [5, 5, 6, 4, 6]),
        "responsiveness_2": ([6, 6, 7, 5, 6], [6, 5, 6, 5, 5]),
        "tangibles_1": ([5, 5, 6, 5, 4], [5, 5, 5, 5, 4]),
        "tangibles_2": ([5, 4, 5, 5, 5], [5, 4, 5, 4, 5]),
    }
    table = {}
    for item, (expectation, perception) in items.items():
        table[f"exp_{item}"], table[f"per_{item}"] = expectation, perception
    table.update(
        {
            "imp_reliability": [50, 60, 40, 50, 50],
            "imp_responsiveness": [30, 20, 40, 30, 30],
            "imp_tangibles": [20, 20, 20, 20, 20],
        }
    )
    return pd.DataFrame(table, index=range(1, 6))


SERVQUAL_TASK_DIMENSIONS = ("reliability", "responsiveness", "tangibles")


def _gaps(answers: pd.DataFrame) -> satisfaction.ServqualGaps:
    return satisfaction.servqual_gaps(answers, SERVQUAL_TASK_DIMENSIONS)


def _dimension(answers: pd.DataFrame, dimension: str, column: str = "gap") -> float:
    table = _gaps(answers).dimensions.set_index("dimension")
    return float(table.loc[dimension, column])


def _servqual_view(answers: pd.DataFrame) -> list:
    rows = {}
    for column in answers.columns:
        kind, rest = column.split("_", 1)
        if kind == "imp":
            rows[t("exercises.servqual.importance", dimension=label("servqual", rest))] = answers[column]
        else:
            dimension, k = rest.rsplit("_", 1)
            rows[t(f"exercises.servqual.{kind}", dimension=label("servqual", dimension), k=k)] = answers[
                column
            ]
    shown = pd.DataFrame(rows).T
    shown.columns = [t("exercises.respondent", n=i) for i in answers.index]
    return [shown]


def _ipa_data() -> pd.DataFrame:
    return pd.DataFrame(
        {"importance": [4.7, 4.5, 3.2, 3.4, 2.6, 2.9], "performance": [4.4, 3.1, 4.5, 3.6, 2.8, 3.9]},
        index=pd.Index(
            ["cleanliness", "staff_attitude", "checkin_speed", "breakfast", "parking", "decor"],
            name="attribute",
        ),
    )


def _ipa(d: pd.DataFrame, swap: bool = False) -> pd.DataFrame:
    x, y = ("performance", "importance") if swap else ("importance", "performance")
    return satisfaction.importance_performance(d, x, y)


def _concentrate(d: pd.DataFrame, swap: bool = False) -> set[str]:
    quadrant = _ipa(d, swap)["quadrant"]
    return set(quadrant.index[quadrant == "concentrate_here"])


def _ipa_chart(d: pd.DataFrame):
    from workbook import plots  # matplotlib is loaded only when the chart is shown

    cuts = _ipa(d).iloc[0]
    return plots.labelled_points(
        d,
        "performance",
        "importance",
        names={code: label("exercises.attr", code) for code in d.index},
        cuts=(cuts["performance_crosshair"], cuts["importance_crosshair"]),
        limits=(2, 5),
        title=t("exercises.chart.ipa"),
        xlabel=t("exercises.chart.performance"),
        ylabel=t("exercises.chart.importance"),
    )


_register(
    Task(
        "m4.t1",
        4,
        "number",
        _nps_scores,
        _nps,
        tolerance=0.5,
        unit="%",
        hints=2,
        view=lambda s: [t("exercises.view.scores", scores=", ".join(map(str, s)))],
        mistakes=(
            Mistake("nps_passives_as_promoters", lambda s: _nps(s.mask(_passive(s), 10))),
            Mistake("nps_without_passives", lambda s: _nps(s[~_passive(s)])),
            Mistake(
                "nps_six_as_passive", lambda s: _nps(s.replace(satisfaction.DEFAULTS.nps_detractor_max, 7))
            ),
            Mistake("nps_passives_as_detractors", lambda s: _nps(s.mask(_passive(s), 0))),
            Mistake("nps_reversed", lambda s: -_nps(s)),
        ),
    ),
    Task(
        "m4.t2",
        4,
        "number",
        _csat_ratings,
        _csat,
        tolerance=0.5,
        unit="%",
        view=lambda s: [t("exercises.view.ratings", scores=", ".join(map(str, s)))],
        mistakes=(
            Mistake("csat_top_box_only", lambda s: _csat(s, (5,))),
            Mistake("csat_three_as_satisfied", lambda s: _csat(s, (3, 4, 5))),
            Mistake("csat_mean_score", lambda s: float(s.mean())),
            Mistake(
                "csat_mean_as_percent", lambda s: float(100 * s.mean() / satisfaction.DEFAULTS.csat_scale[1])
            ),
        ),
    ),
    Task(
        "m4.t3",
        4,
        "number",
        _servqual_answers,
        lambda a: _dimension(a, "responsiveness"),
        tolerance=0.05,
        view=_servqual_view,
        mistakes=(
            Mistake("servqual_reversed", lambda a: -_dimension(a, "responsiveness")),
            Mistake(
                "servqual_summed",
                lambda a: _dimension(a, "responsiveness") * _dimension(a, "responsiveness", "n_items"),
            ),
        ),
    ),
    Task(
        "m4.t4",
        4,
        "choice",
        _servqual_answers,
        lambda a: str(_gaps(a).dimensions.set_index("dimension")["rank"].idxmin()),
        group="servqual",
        options=SERVQUAL_TASK_DIMENSIONS,
        hints=2,
        view=_servqual_view,
        mistakes=(
            Mistake(
                "servqual_unweighted_rank",
                lambda a: str(_gaps(a).dimensions.set_index("dimension")["rank_unweighted"].idxmin()),
            ),
            Mistake(
                "servqual_smallest_gap",
                lambda a: str(_gaps(a).dimensions.set_index("dimension")["gap"].idxmax()),
            ),
        ),
    ),
    Task(
        "m4.t5",
        4,
        "choice",
        _ipa_data,
        lambda d: next(iter(_concentrate(d))),
        group="exercises.attr",
        options=lambda d: [str(c) for c in d.index],
        view=lambda d: [_ipa_chart(d)],
        mistakes=(
            Mistake("ipa_axes_swapped", lambda d: _concentrate(d, swap=True)),
            Mistake("ipa_lowest_performance", lambda d: str(d["performance"].idxmin())),
        ),
    ),
)
