"""Module 1 tasks: relationship levels (the ladder, migration, a survey chart, the four principles).

A new task of this module is one more ``Task`` in the ``_register`` call below, its texts
in ``workbook/locales/exercises.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache

import numpy as np
import pandas as pd

from workbook import classify
from workbook.exercises.engine import Mistake, Task, _register
from workbook.exercises.tasks.common import AS_OF
from workbook.exercises.view import _columns
from workbook.i18n import label, t


def _dates_from_ages(months: pd.Series, days: pd.Series) -> tuple[pd.Series, pd.Series]:
    """first/last purchase dates from 'customer for N months' and 'last bought N days ago'."""
    first = pd.Series(
        [AS_OF - pd.DateOffset(months=int(m)) if pd.notna(m) else pd.NaT for m in months],
        index=months.index,
        dtype="datetime64[ns]",
    )
    last = AS_OF - pd.to_timedelta(days, unit="D")
    return first, last


def _ladder_cards() -> pd.DataFrame:
    cards = pd.DataFrame(
        {
            "orders_12m": [8, 0, 10, 9, 5],
            "enquiries_12m": [2, 3, 3, 1, 0],
            "satisfaction": [5, 3, 4, 3, 4],
            "joint_projects": [0, 0, 2, 1, 0],
            "contacts_decision": [1, 0, 2, 0, 1],
            "tenure_months": [18, np.nan, 48, 36, 36],
            "recency_days": [10, np.nan, 12, 20, 220],
        },
        index=range(1, 6),
    )
    cards["first_purchase_date"], cards["last_purchase_date"] = _dates_from_ages(
        cards["tenure_months"], cards["recency_days"]
    )
    return cards


def _levels(rules: Mapping | None = None) -> Callable:
    def levels(cards: pd.DataFrame) -> list[str]:
        chosen = classify.LadderRules.from_mapping(rules or {})
        return (
            classify.relationship_level(cards, chosen, as_of=AS_OF, explain=False)["level"]
            .astype(str)
            .tolist()
        )

    return levels


NEVER = 1e9  # a threshold no card reaches: how a detector switches a rule off


def _ladder_view(cards: pd.DataFrame) -> list:
    shown = cards[
        [
            "orders_12m",
            "enquiries_12m",
            "satisfaction",
            "joint_projects",
            "contacts_decision",
            "tenure_months",
            "recency_days",
        ]
    ].copy()
    shown["tenure_months"] = (shown["tenure_months"] / 12).round(1)
    shown = shown.rename(columns={"tenure_months": "tenure_years"})
    r = classify.DEFAULT_LADDER_RULES
    rules = pd.DataFrame(
        {
            t("exercises.col.rule"): [
                t(
                    "exercises.rule.strategic_partner",
                    joint=r.partner_min_joint_projects,
                    decision=r.partner_min_decision_contacts,
                    orders=r.partner_min_orders,
                    tenure=r.partner_min_tenure_years,
                ),
                t(
                    "exercises.rule.loyal",
                    orders=r.loyal_min_orders,
                    tenure=r.loyal_min_tenure_years,
                    satisfaction=r.loyal_min_satisfaction,
                ),
                t("exercises.rule.active", orders=r.active_min_orders, days=r.active_max_recency_days),
                t(
                    "exercises.rule.initial_contact",
                    orders=r.initial_min_orders,
                    enquiries=r.initial_min_enquiries,
                ),
                t("exercises.rule.prospect"),
            ]
        },
        index=[label("level", c) for c in reversed(classify.LEVELS)],
    )
    return [_columns(shown), t("exercises.view.rules"), rules]


def _migration_data() -> pd.DataFrame:
    before = [
        "active",
        "loyal",
        "initial_contact",
        "active",
        "prospect",
        "loyal",
        "strategic_partner",
        "active",
        "initial_contact",
        "loyal",
        None,
    ]
    after = [
        "loyal",
        "loyal",
        "active",
        "initial_contact",
        "initial_contact",
        "strategic_partner",
        "loyal",
        "active",
        "initial_contact",
        None,
        "active",
    ]
    return pd.DataFrame(
        {"level_2025": before, "level_2026": after},
        index=pd.Index([f"M{i:02d}" for i in range(1, 12)], name="customer_id"),
    )


def _movements(table: pd.DataFrame) -> pd.Series:
    before = table["level_2025"].dropna().astype(pd.CategoricalDtype(classify.LEVELS, ordered=True))
    after = table["level_2026"].dropna().astype(pd.CategoricalDtype(classify.LEVELS, ordered=True))
    return classify.migration_summary(before, after)["count"]


def _migration_view(table: pd.DataFrame) -> list:
    shown = table.apply(lambda column: column.map(lambda code: label("level", code), na_action="ignore"))
    return [
        shown.rename(columns=lambda c: t(f"exercises.col.{c}")).rename_axis(t("exercises.col.customer_id"))
    ]


@cache
def _survey_by_level() -> pd.DataFrame:
    """Mean CSAT by ladder level × touchpoint from the sample data (module 1's case pattern)."""
    from workbook import data

    customers = data.load_customers(data.DATASETS_DIR / "customers.csv")
    survey = data.load_nps_survey(data.DATASETS_DIR / "nps_survey.csv")
    levels = classify.relationship_level(customers, as_of=AS_OF, explain=False)["level"]
    level_of = pd.Series(levels.to_numpy(), index=customers["customer_id"].to_numpy())
    joined = survey.assign(level=survey["customer_id"].map(level_of).astype(levels.dtype))
    table = joined.pivot_table(
        index="level", columns="touchpoint", values="csat", aggfunc="mean", observed=True
    )
    return table.reindex(columns=["sales", "delivery", "after_sales", "billing"])


def _after_sales_outlier(table: pd.DataFrame) -> str:
    """The level whose after-sales CSAT falls furthest below its own other touchpoints."""
    others = table.drop(columns="after_sales").mean(axis=1)
    return str((table["after_sales"] - others).idxmin())


def _lowest_elsewhere(table: pd.DataFrame) -> set[str]:
    """The mistake of reading the wrong bars: levels lowest on another touchpoint (the answer excluded)."""
    lowest = {str(table[c].idxmin()) for c in table.columns if c != "after_sales"}
    return lowest - {_after_sales_outlier(table)}


def _survey_chart(table: pd.DataFrame):
    from workbook import plots  # matplotlib is loaded only when the chart is shown

    return plots.touchpoint_bars(
        table,
        names={code: label("level", code) for code in table.index},
        column_names={c: t(f"exercises.touchpoint.{c}") for c in table.columns},
        limits=(1, 5),
        title=t("exercises.chart.csat_by_level"),
        ylabel=t("exercises.chart.mean_csat"),
        legend_title=t("exercises.chart.touchpoint"),
    )


PRINCIPLES = ("objective", "systematic", "dynamic", "actionable")


def _principle_cases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case": [f"exercises.m1.t4.case{i}" for i in range(1, 5)],
            "principle": ["objective", "systematic", "dynamic", "actionable"],
        },
        index=range(1, 5),
    )


def _swap(codes: Sequence[str], a: int, b: int) -> list[str]:
    swapped = list(codes)
    swapped[a], swapped[b] = swapped[b], swapped[a]
    return swapped


_register(
    Task(
        "m1.t1",
        1,
        "labels",
        _ladder_cards,
        _levels(),
        hints=2,
        group="level",
        view=_ladder_view,
        mistakes=(
            Mistake("ladder_partner_skipped", _levels({"partner_min_joint_projects": NEVER})),
            Mistake("ladder_partner_without_decision_maker", _levels({"partner_min_decision_contacts": 0})),
            Mistake(
                "ladder_tenure_ignored", _levels({"partner_min_tenure_years": 0, "loyal_min_tenure_years": 0})
            ),
            Mistake("ladder_satisfaction_ignored", _levels({"loyal_min_satisfaction": 1})),
            Mistake("ladder_recency_ignored", _levels({"active_max_recency_days": NEVER})),
            Mistake("ladder_enquiries_ignored", _levels({"initial_min_enquiries": NEVER})),
        ),
    ),
    Task(
        "m1.t2",
        1,
        "number",
        _migration_data,
        lambda d: _movements(d)["upgraded"],
        tolerance=0.01,
        view=_migration_view,
        mistakes=(
            Mistake("migration_new_as_upgrade", lambda d: _movements(d)[["upgraded", "new"]].sum()),
            Mistake("migration_all_moves", lambda d: _movements(d)[["upgraded", "downgraded"]].sum()),
            Mistake("migration_downgrades", lambda d: _movements(d)["downgraded"]),
        ),
    ),
    Task(
        "m1.t3",
        1,
        "choice",
        _survey_by_level,
        _after_sales_outlier,
        group="level",
        hints=2,
        options=lambda table: [str(c) for c in table.index],
        view=lambda table: [_survey_chart(table)],
        mistakes=(
            Mistake("chart_highest_bar", lambda table: str(table["after_sales"].idxmax())),
            Mistake(
                "chart_lowest_elsewhere",
                _lowest_elsewhere,
            ),
        ),
    ),
    Task(
        "m1.t4",
        1,
        "labels",
        _principle_cases,
        lambda d: d["principle"].tolist(),
        group="exercises.principle",
        options=PRINCIPLES,
        view=lambda d: [
            pd.DataFrame(
                {t("exercises.col.case"): [t(k) for k in d["case"]]},
                index=[t("exercises.case", n=i) for i in d.index],
            )
        ],
        mistakes=(
            Mistake("principles_objective_systematic", lambda d: _swap(d["principle"], 0, 1)),
            Mistake("principles_dynamic_actionable", lambda d: _swap(d["principle"], 2, 3)),
        ),
    ),
)
