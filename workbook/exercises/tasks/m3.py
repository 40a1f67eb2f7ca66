"""Module 3 tasks: the value matrix (score, strategy weights, quadrants, a chart, budget).

A new task of this module is one more ``Task`` in the ``_register`` call below, its texts
in ``workbook/locales/exercises.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

import pandas as pd

from workbook import value_matrix as vm
from workbook.exercises.engine import Mistake, Task, _register
from workbook.exercises.tasks.common import STRICT
from workbook.exercises.view import _columns
from workbook.i18n import label, t


def _one_customer() -> dict:
    scores = pd.DataFrame([[0.8, 0.5, 0.75, 0.6, 0.3]], columns=list(vm.DIMENSIONS))
    return {
        "scores": scores,
        "points": {
            "purchase_potential": 5,
            "profit_contribution": 6,
            "loyalty": 4,
            "cooperation": 3,
            "referral": 2,
        },
    }


def _weighted(d: dict, weights: Mapping | None = None) -> float:
    return float(vm.rescore(d["scores"], weights or d["points"]).iloc[0])


def _weights_view(d: dict) -> list:
    dims = [label("vm_dimension", x) for x in vm.DIMENSIONS]
    return [
        pd.DataFrame(
            {
                t("exercises.col.normalised"): d["scores"].iloc[0].to_numpy(),
                t("exercises.col.weight_points"): [d["points"][x] for x in vm.DIMENSIONS],
            },
            index=dims,
        )
    ]


def _strategy_customers() -> pd.DataFrame:
    return pd.DataFrame(
        [[0.2, 0.95, 0.8, 0.6, 0.5], [0.95, 0.3, 0.7, 0.9, 0.6]],
        columns=list(vm.DIMENSIONS),
        index=pd.Index(["A", "B"], name="customer_id"),
    )


STRATEGY_MIN_WEIGHT = 0.05  # m3.t2: no dimension may be dropped; each keeps at least this share
STRATEGY_REFERENCE = {
    "purchase_potential": 0.40,
    "profit_contribution": 0.10,
    "loyalty": 0.15,
    "cooperation": 0.25,
    "referral": 0.10,
}  # the trainer's example answer to m3.t2


def _scores_view(d: pd.DataFrame) -> list:
    shown = (100 * d).round(0).rename(columns=lambda c: label("vm_dimension", c))
    shown.index = [t("exercises.customer", id=i) for i in d.index]
    return [
        shown,
        t(
            "exercises.view.tiers",
            low=f"{vm.DEFAULT_TIER_THRESHOLDS[0]:g}",
            high=f"{vm.DEFAULT_TIER_THRESHOLDS[1]:g}",
        ),
    ]


def _quadrant_cards() -> pd.DataFrame:
    return pd.DataFrame(
        {"current_value": [80.0, 75.0, 20.0, 35.0, 50.0], "potential_value": [70.0, 30.0, 85.0, 40.0, 60.0]},
        index=range(1, 6),
    )


QUADRANT_SPLIT = 50.0


def _quadrants(swap: bool = False, split: float = QUADRANT_SPLIT) -> Callable:
    def quadrants(cards: pd.DataFrame) -> list[str]:
        x, y = ("potential_value", "current_value") if swap else ("current_value", "potential_value")
        return vm.value_quadrants(cards, x, y, split=split)["quadrant"].astype(str).tolist()

    return quadrants


@cache
def _mid_tier_by_industry() -> pd.DataFrame:
    """Mid-value buyers of the sample data by industry: customers, mean orders, average order value."""
    from workbook import data

    customers = data.load_customers(data.DATASETS_DIR / "customers.csv")
    tiers = vm.value_scores(customers, explain=False)["value_tier"]
    mid = customers[(tiers == "mid").to_numpy() & (customers["orders_12m"] > 0).to_numpy()]
    grouped = mid.groupby("industry")
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "mean_orders": grouped["orders_12m"].mean(),
            "order_value": grouped["revenue_12m"].sum() / grouped["orders_12m"].sum(),
        }
    )
    return table.sort_values("mean_orders")


INDUSTRY_OPTIONS = ("制造业", "零售", "信息技术", "医疗健康")


def _industry_chart(table: pd.DataFrame):
    from workbook import plots  # matplotlib is loaded only when the chart is shown

    return plots.paired_barh(
        table,
        "mean_orders",
        "order_value",
        names={code: label("exercises.industry", code) for code in table.index},
        titles=(t("exercises.chart.mean_orders"), t("exercises.chart.order_value")),
        title=t("exercises.chart.mid_tier"),
    )


def _budget_data() -> dict:
    tiers = pd.DataFrame({"value_tier": ["high"] * 4 + ["mid"] * 10 + ["low"] * 30})
    return {"scored": tiers, "budget": 200_000.0}


def _allocation(d: dict) -> pd.DataFrame:
    return vm.allocate_budget(d["scored"], d["budget"])


def _budget_view(d: dict) -> list:
    counts = d["scored"]["value_tier"].value_counts()
    table = pd.DataFrame(
        {
            t("exercises.col.customers"): [counts[x] for x in ("high", "mid", "low")],
            t("exercises.col.budget_share"): [f"{vm.DEFAULT_SHARES[x]:.0%}" for x in ("high", "mid", "low")],
        },
        index=[label("value_tier", x) for x in ("high", "mid", "low")],
    )
    return [t("exercises.view.budget", budget=f"{d['budget']:,.0f}"), table]


_register(
    Task(
        "m3.t1",
        3,
        "number",
        _one_customer,
        _weighted,
        tolerance=0.5,
        view=_weights_view,
        mistakes=(
            Mistake("vm_weights_not_normalised", lambda d: _weighted(d) * sum(d["points"].values())),
            Mistake("vm_weights_not_normalised", lambda d: _weighted(d) * sum(d["points"].values()) / 100),
            Mistake("vm_not_times_100", lambda d: _weighted(d) / 100),
            Mistake("vm_weights_ignored", lambda d: _weighted(d, dict.fromkeys(vm.DIMENSIONS, 1))),
        ),
    ),
    Task(
        "m3.t2",
        3,
        "weights",
        _strategy_customers,
        lambda d: STRATEGY_REFERENCE,
        hints=2,
        view=_scores_view,
        mistakes=(
            Mistake(
                "vm_potential_not_largest",
                lambda d, w, tiers: w["purchase_potential"] <= w.drop("purchase_potential").max(),
            ),
            Mistake("vm_growth_customer_not_high", lambda d, w, tiers: tiers["B"] != "high"),
            Mistake("vm_cash_cow_high", lambda d, w, tiers: tiers["A"] == "high"),
            Mistake("vm_dimension_dropped", lambda d, w, tiers: w.min() < STRATEGY_MIN_WEIGHT - 1e-9),
        ),
    ),
    Task(
        "m3.t3",
        3,
        "labels",
        _quadrant_cards,
        _quadrants(),
        group="quadrant",
        view=lambda d: [_columns(d), t("exercises.view.split", split=f"{QUADRANT_SPLIT:g}")],
        mistakes=(
            Mistake("quadrant_axes_swapped", _quadrants(swap=True)),
            Mistake("quadrant_boundary_low", _quadrants(split=QUADRANT_SPLIT + STRICT)),
        ),
    ),
    Task(
        "m3.t4",
        3,
        "choice",
        _mid_tier_by_industry,
        lambda table: str(table["mean_orders"].idxmin()),
        group="exercises.industry",
        options=INDUSTRY_OPTIONS,
        view=lambda table: [_industry_chart(table)],
        mistakes=(
            Mistake("chart_most_frequent_industry", lambda table: str(table["mean_orders"].idxmax())),
            Mistake("chart_largest_group", lambda table: str(table["customers"].idxmax())),
        ),
    ),
    Task(
        "m3.t5",
        3,
        "number",
        _budget_data,
        lambda d: _allocation(d).loc["mid", "per_customer"],
        tolerance=1.0,
        view=_budget_view,
        mistakes=(
            Mistake(
                "budget_divided_by_all", lambda d: _allocation(d).loc["mid", "budget"] / len(d["scored"])
            ),
            Mistake("budget_equal_split", lambda d: d["budget"] / len(d["scored"])),
            Mistake("budget_tier_total", lambda d: _allocation(d).loc["mid", "budget"]),
        ),
    ),
)
