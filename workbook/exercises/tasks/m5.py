"""Module 5 tasks: customer operations (retention, CLV, risk signals and responses, a self-assessment form).

A new task of this module is one more ``Task`` in the ``_register`` call below, its texts
in ``workbook/locales/exercises.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache

import numpy as np
import pandas as pd

from workbook import i18n, operations
from workbook.exercises.engine import Mistake, Task, _register
from workbook.exercises.tasks.common import AS_OF, STRICT
from workbook.exercises.view import _columns
from workbook.i18n import t


def _retention_orders() -> pd.DataFrame:
    q1 = [
        ("R01", "2026-01-08"),
        ("R02", "2026-01-15"),
        ("R03", "2026-01-20"),
        ("R01", "2026-02-03"),
        ("R04", "2026-02-10"),
        ("R05", "2026-02-17"),
        ("R06", "2026-02-24"),
        ("R03", "2026-03-02"),
        ("R07", "2026-03-09"),
        ("R06", "2026-03-16"),
        ("R08", "2026-03-23"),
    ]
    q2 = [
        ("R01", "2026-04-07"),
        ("R02", "2026-04-14"),
        ("R09", "2026-04-21"),
        ("R03", "2026-05-05"),
        ("R02", "2026-05-12"),
        ("R04", "2026-05-19"),
        ("R10", "2026-06-02"),
        ("R05", "2026-06-09"),
        ("R09", "2026-06-16"),
    ]
    orders = pd.DataFrame(q1 + q2, columns=["customer_id", "order_date"])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    return orders


def _retention(orders: pd.DataFrame) -> pd.Series:
    return operations.retention_rates(orders, "Q").iloc[-1]


def _orders_of_kept(orders: pd.DataFrame) -> float:
    """The mistake 'counted orders, not customers': kept customers' Q2 orders ÷ all Q1 orders, in %."""
    quarter = orders["order_date"].dt.quarter
    first, second = orders[quarter == 1], orders[quarter == 2]
    kept = second["customer_id"].isin(first["customer_id"])
    return 100 * kept.sum() / len(first)


def _orders_view(orders: pd.DataFrame) -> list:
    shown = orders.assign(order_date=orders["order_date"].dt.strftime("%Y-%m-%d"))
    shown.index = range(1, len(orders) + 1)
    return [_columns(shown, index="row")]


CLV_TASK = {"margin": 12_000.0, "retention": 0.8, "discount": 0.1}


def _clv(d: Mapping, **changes) -> float:
    values = {**d, **changes}
    timing = values.pop("timing", "end")
    return float(operations.clv(values["margin"], values["retention"], values["discount"], timing=timing))


def _risk_cards() -> pd.DataFrame:
    cards = pd.DataFrame(
        {
            "overdue_days": [0, 30, 95, 0, 130],
            "overdue_amount": [0.0, 8_000.0, 60_000.0, 0.0, 12_000.0],
            "orders_12m": [12, 6, 8, 4, 3],
            "recency_days": [10, 20, 15, 200, 100],
        },
        index=range(1, 6),
    )
    cards["last_purchase_date"] = AS_OF - pd.to_timedelta(cards["recency_days"], unit="D")
    return cards


ASSESSED_SIGNALS = ("overdue_days", "overdue_amount", "legal_overdue", "recency_jump")  # no previous snapshot


def _risks(cards: pd.DataFrame, thresholds: Mapping | None = None) -> pd.DataFrame:
    return operations.risk_signals(cards, thresholds, as_of=AS_OF, explain=False)


def _risk_levels(strict: bool = False, best: bool = False) -> Callable:
    def levels(cards: pd.DataFrame) -> list[str]:
        limits = {k: (a + STRICT, r + STRICT) for k, (a, r) in operations.DEFAULT_RISK_THRESHOLDS.items()}
        table = _risks(cards, limits if strict else None)
        if best:  # the mistake: the overall light taken from the best signal, not the worst
            codes = np.column_stack([table[f"{s}_level"].cat.codes for s in ASSESSED_SIGNALS]).min(axis=1)
            return [operations.RISK_LEVELS[c] for c in codes]
        return table["risk_level"].astype(str).tolist()

    return levels


RISK_CARD = 3  # the card m5.t4 asks about


def _risk_view(cards: pd.DataFrame) -> list:
    shown = cards[["overdue_days", "overdue_amount", "orders_12m", "recency_days"]]
    limits = pd.DataFrame(
        {
            t("exercises.col.amber_from"): [
                operations.DEFAULT_RISK_THRESHOLDS[s][0] for s in ASSESSED_SIGNALS
            ],
            t("exercises.col.red_from"): [operations.DEFAULT_RISK_THRESHOLDS[s][1] for s in ASSESSED_SIGNALS],
        },
        index=[t(f"exercises.signal.{s}") for s in ASSESSED_SIGNALS],
    )
    return [_columns(shown), t("exercises.view.risk_rules"), limits]


def _response(cards: pd.DataFrame, amber: bool = False) -> str:
    row = _risks(cards).loc[RISK_CARD]
    return operations.RISK_RESPONSES[row["risk_category"]][0] if amber else str(row["response"])


@cache
def _capability():
    from workbook import instruments

    return instruments.load_instrument("capability")


def _form_view(instrument) -> list:
    lang = i18n.get_language()
    names = {d.id: d.name.get(lang) for d in instrument.dimensions}
    table = pd.DataFrame(
        {
            t("exercises.col.dimension"): [names[i.dimension] for i in instrument.items],
            t("exercises.col.statement"): [i.text.get(lang) for i in instrument.items],
        },
        index=pd.Index([i.id for i in instrument.items], name=t("exercises.col.item")),
    )
    return [t("exercises.view.scale"), table]


_register(
    Task(
        "m5.t1",
        5,
        "number",
        _retention_orders,
        lambda o: 100 * _retention(o)["retention_rate"],
        tolerance=0.5,
        unit="%",
        view=_orders_view,
        mistakes=(
            Mistake(
                "retention_divided_by_current",
                lambda o: 100 * _retention(o)["retained"] / _retention(o)["customers"],
            ),
            Mistake(
                "retention_new_as_retained",
                lambda o: 100 * _retention(o)["customers"] / _retention(o)["previous"],
            ),
            Mistake("retention_churn_given", lambda o: 100 * _retention(o)["churn_rate"]),
            Mistake("retention_counted_orders", _orders_of_kept),
        ),
    ),
    Task(
        "m5.t2",
        5,
        "number",
        lambda: dict(CLV_TASK),
        _clv,
        tolerance=50.0,
        hints=2,
        view=lambda d: [
            t(
                "exercises.view.clv",
                margin=f"{d['margin']:,.0f}",
                retention=f"{d['retention']:.0%}",
                discount=f"{d['discount']:.0%}",
            )
        ],
        mistakes=(
            Mistake("clv_margin_now_included", lambda d: _clv(d, timing="start")),
            Mistake("clv_no_discount", lambda d: _clv(d, discount=0.0)),
            Mistake("clv_churn_for_retention", lambda d: _clv(d, retention=1 - d["retention"])),
            Mistake("clv_r_missing", lambda d: _clv(d) / d["retention"]),
        ),
    ),
    Task(
        "m5.t3",
        5,
        "labels",
        _risk_cards,
        _risk_levels(),
        group="risk_level",
        hints=2,
        view=_risk_view,
        mistakes=(
            Mistake("risk_best_signal", _risk_levels(best=True)),
            Mistake("risk_threshold_strict", _risk_levels(strict=True)),
        ),
    ),
    Task(
        "m5.t4",
        5,
        "choice",
        _risk_cards,
        _response,
        group="risk_response",
        options=("avoid", "reduce", "transfer", "accept"),
        view=lambda cards: [_columns(cards.loc[[RISK_CARD], ["overdue_days", "overdue_amount"]])],
        mistakes=(
            Mistake("risk_amber_response", lambda cards: _response(cards, amber=True)),
            Mistake("risk_accept_only_green", lambda cards: "accept"),
        ),
    ),
    Task("m5.t5", 5, "form", _capability, lambda instrument: None, view=_form_view),
)
