"""Which columns each analysis needs, and what a missing column stops.

Loading keeps whatever columns a file has (only the key column is required); each analysis
declares here the columns it needs. :func:`available` says, for a customer table and an
order ledger, which analyses can run and, for the others, which columns they lack and
what those columns enable. ``workbook score`` runs what is available and lists the rest
on a "skipped" sheet.

Example
-------
>>> import pandas as pd
>>> ledger = pd.DataFrame({"customer_id": ["a"], "order_date": [pd.Timestamp("2026-01-05")],
...                        "amount": [10.0]})
>>> [a.name for a in available(transactions=ledger) if a.ok][:3]
['rfm', 'clv', 'retention']
>>> skipped = {a.name: a.missing for a in available(transactions=ledger) if not a.ok}
>>> skipped["value_matrix"][:2]
('satisfaction', 'trust')
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from workbook.classify import LADDER_COLUMNS
from workbook.i18n import t


@dataclass(frozen=True)
class Analysis:
    """An analysis, the table it reads (``customers`` or ``transactions``) and the columns it needs."""

    name: str
    table: str
    needs: tuple[str, ...]


# Customer-table columns a ledger gives (derive_customers) are listed under "customers":
# with a ledger alone these analyses run on the derived table.
# The five value-matrix dimensions' inputs (workbook.value_matrix), as a customer table names them.
VALUE_MATRIX_COLUMNS = (
    "satisfaction",
    "trust",
    "cooperation",
    "recommend_score",
    "referrals",
    "purchase_potential",
    "gross_profit_12m",
)
ANALYSES: tuple[Analysis, ...] = (
    Analysis("level", "customers", LADDER_COLUMNS),
    Analysis("abc", "customers", ("customer_id", "revenue_12m")),
    Analysis("behaviour", "customers", ("customer_id", "last_purchase_date")),
    Analysis("value_matrix", "customers", VALUE_MATRIX_COLUMNS),
    Analysis("risk", "customers", ("overdue_days", "overdue_amount", "last_purchase_date", "orders_12m")),
    Analysis("rfm", "transactions", ("customer_id", "order_date", "amount")),
    Analysis("clv", "transactions", ("customer_id", "order_date", "amount")),
    Analysis("retention", "transactions", ("customer_id", "order_date")),
    Analysis("cohorts", "transactions", ("customer_id", "order_date")),
)
BY_NAME = {a.name: a for a in ANALYSES}
# What a column enables, when an analysis lacks it (i18n key columns.enables.<column>).
COLUMN_HINTS = (
    *VALUE_MATRIX_COLUMNS,
    "overdue_days",
    "overdue_amount",
    "enquiries_12m",
    "joint_projects",
    "contacts_decision",
    "revenue_12m",
    "last_purchase_date",
    "first_purchase_date",
    "orders_12m",
    "amount",
    "order_date",
    "customer_id",
)


@dataclass(frozen=True)
class Availability:
    """Whether ``name`` can run; if not, the columns it lacks."""

    name: str
    ok: bool
    missing: tuple[str, ...] = ()
    table: str | None = None  # set when the whole table is absent (no order ledger given)

    def reason(self, lang: str | None = None) -> str:
        """Why it was skipped, naming each missing column and what it enables."""
        if self.table:
            return t(f"columns.no_{self.table}", lang)
        parts = [f"{c}: {t('columns.enables.' + c, lang)}" if c in COLUMN_HINTS else c for c in self.missing]
        return t("columns.skipped", lang, columns="; ".join(parts))


def available(
    customers: pd.DataFrame | None = None, transactions: pd.DataFrame | None = None
) -> list[Availability]:
    """Every analysis of :data:`ANALYSES`, with whether the given tables have its columns."""
    have = {
        "customers": set(customers.columns) if customers is not None else set(),
        "transactions": set(transactions.columns) if transactions is not None else set(),
    }
    given = {"customers": customers is not None, "transactions": transactions is not None}
    out = []
    for analysis in ANALYSES:
        missing = tuple(c for c in analysis.needs if c not in have[analysis.table])
        absent = None if given[analysis.table] else analysis.table
        out.append(Availability(analysis.name, not missing, missing, absent))
    return out
