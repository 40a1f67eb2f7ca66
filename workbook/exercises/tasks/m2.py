"""Module 2 tasks: customer classification (RFM, ABC, behaviour, needs, contact mode).

A new task of this module is one more ``Task`` in the ``_register`` call below, its texts
in ``workbook/locales/exercises.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd

from workbook import classify
from workbook import value_matrix as vm
from workbook.exercises.engine import Label, Mistake, Task, _register
from workbook.exercises.tasks.common import AS_OF, STRICT
from workbook.exercises.view import _columns
from workbook.i18n import label, t


def _rfm_cards() -> pd.DataFrame:
    cards = pd.DataFrame(
        {
            "customer_id": list("ABCDE"),
            "recency_days": [5, 40, 120, 15, 300],
            "orders_12m": [12, 3, 8, 1, 5],
            "revenue_12m": [60_000.0, 90_000.0, 20_000.0, 5_000.0, 45_000.0],
        },
        index=range(1, 6),
    )
    cards["last_purchase_date"] = AS_OF - pd.to_timedelta(cards["recency_days"], unit="D")
    return cards


def _rfm_cells(recency_reversed: bool = False, swap_f_m: bool = False) -> Callable:
    def cells(cards: pd.DataFrame) -> list[int]:
        s = classify.rfm_from_customers(cards, as_of=AS_OF)
        r = 6 - s["r_score"] if recency_reversed else s["r_score"]
        f, m = (s["m_score"], s["f_score"]) if swap_f_m else (s["f_score"], s["m_score"])
        return (100 * r + 10 * f + m).astype(int).tolist()

    return cells


def _abc_data() -> pd.DataFrame:
    profit = [60_000, 400_000, 20_000, 120_000, 30_000, 200_000, 100_000, 40_000, 10_000, 20_000]
    ids = pd.Index([f"K{i:02d}" for i in range(1, 11)], name="customer_id")
    return pd.DataFrame({"customer_id": ids, "gross_profit_12m": np.array(profit, dtype=float)}, index=ids)


def _abc(d: pd.DataFrame) -> pd.DataFrame:
    return classify.value_tier_abc(d, explain=False)


def _behaviour_cards() -> pd.DataFrame:
    cards = pd.DataFrame({"recency_days": [200, 45, np.nan, 365, 90, 500]}, index=range(1, 7))
    cards["last_purchase_date"] = AS_OF - pd.to_timedelta(cards["recency_days"], unit="D")
    return cards


def _behaviours(
    active_days: float = classify.DEFAULT_ACTIVE_DAYS,
    churn_days: float = classify.DEFAULT_CHURN_DAYS,
    never_churned: bool = False,
) -> Callable:
    def behaviours(cards: pd.DataFrame) -> list[str]:
        codes = classify.behaviour_status(
            cards, as_of=AS_OF, active_days=active_days, churn_days=churn_days, explain=False
        )["behaviour"].astype(str)
        if never_churned:  # the mistake: "never bought" read as "stopped buying"
            codes = codes.where(cards["last_purchase_date"].notna(), "churned")
        return codes.tolist()

    return behaviours


def _needs_cards() -> pd.DataFrame:
    return pd.DataFrame(
        {"needs_documented": [True, False, False, True, False], "enquiries_12m": [0, 3, 0, 5, 1]},
        index=range(1, 6),
    )


def _needs(
    min_enquiries: float = classify.DEFAULT_MIN_ENQUIRIES, enquiry_as_written: bool = False
) -> Callable:
    def needs(cards: pd.DataFrame) -> list[str]:
        table = cards.copy()
        if enquiry_as_written:  # the mistake: asking for quotes taken as a confirmed requirement
            table["needs_documented"] = table["needs_documented"] | (table["enquiries_12m"] >= 1)
        return classify.needs_type(table, min_enquiries, explain=False)["needs"].astype(str).tolist()

    return needs


def _needs_view(cards: pd.DataFrame) -> list:
    shown = cards.assign(
        needs_documented=cards["needs_documented"].map({True: t("common.yes"), False: t("common.no")})
    )
    return [_columns(shown)]


def _tier_mode(tier: str) -> str:
    return vm.TIER_PLAN[tier][1]


def _other_tier_mode(tier: str) -> Mistake:
    """The mistake of giving mid-value customers the contact mode of another tier."""
    return Mistake(
        "contact_mode_of_other_tier", lambda _data: _tier_mode(tier), {"tier": Label("value_tier", tier)}
    )


def _tier_plan_view(_data) -> list:
    table = pd.DataFrame(
        {
            t("exercises.col.value_tier"): [label("value_tier", x) for x in ("high", "mid", "low")],
            t("exercises.col.service"): [t(f"exercises.m2.t5.service_{x}") for x in ("high", "mid", "low")],
        }
    )
    return [table]


_register(
    Task(
        "m2.t1",
        2,
        "labels",
        _rfm_cards,
        _rfm_cells(),
        group="int",
        hints=2,
        view=lambda d: [_columns(d[["customer_id", "recency_days", "orders_12m", "revenue_12m"]])],
        mistakes=(
            Mistake("rfm_recency_reversed", _rfm_cells(recency_reversed=True)),
            Mistake("rfm_f_m_swapped", _rfm_cells(swap_f_m=True)),
        ),
    ),
    Task(
        "m2.t2",
        2,
        "ids",
        _abc_data,
        lambda d: d.index[_abc(d)["abc_class"] == "A"].tolist(),
        hints=2,
        view=lambda d: [
            _columns(d[["gross_profit_12m"]], index="id").rename_axis(t("exercises.col.customer_id"))
        ],
        mistakes=(
            Mistake(
                "abc_stopped_before_line",
                lambda d: d.index[_abc(d)["cum_share"] <= classify.DEFAULT_ABC_CUTOFFS[0] + 1e-9].tolist(),
            ),
            Mistake(
                "abc_top20_by_count", lambda d: d.index[_abc(d)["rank"] <= math.ceil(0.2 * len(d))].tolist()
            ),
        ),
    ),
    Task(
        "m2.t3",
        2,
        "labels",
        _behaviour_cards,
        _behaviours(),
        group="behaviour",
        view=lambda d: [
            _columns(d[["recency_days"]]),
            t(
                "exercises.view.behaviour_rules",
                active=classify.DEFAULT_ACTIVE_DAYS,
                churn=classify.DEFAULT_CHURN_DAYS,
            ),
        ],
        mistakes=(
            Mistake(
                "behaviour_boundary_strict",
                _behaviours(classify.DEFAULT_ACTIVE_DAYS - STRICT, classify.DEFAULT_CHURN_DAYS - STRICT),
            ),
            Mistake("behaviour_never_bought_churned", _behaviours(never_churned=True)),
        ),
    ),
    Task(
        "m2.t4",
        2,
        "labels",
        _needs_cards,
        _needs(),
        group="needs",
        view=_needs_view,
        mistakes=(
            Mistake("needs_enquiry_as_explicit", _needs(enquiry_as_written=True)),
            Mistake("needs_latent_as_fuzzy", _needs(min_enquiries=0)),
        ),
    ),
    Task(
        "m2.t5",
        2,
        "choice",
        lambda: "mid",
        _tier_mode,
        group="contact_mode",
        options=vm.CONTACT_MODES,
        view=_tier_plan_view,
        mistakes=(_other_tier_mode("high"), _other_tier_mode("low")),
    ),
)
