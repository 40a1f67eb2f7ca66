"""Load and validate the workbook's tables: customers, transactions, NPS survey, SERVQUAL.

Each ``load_*`` function takes a file path, an uploaded file (bytes or a binary
file object plus its ``name``) or a DataFrame, and returns a new DataFrame with the
canonical English columns of the data dictionary (``datasets/README.md``), proper
dtypes and a fresh ``RangeIndex``. It accepts what Chinese offices really export:

* CSV in UTF-8, UTF-8 with BOM, GBK/GB18030 (Excel "CSV"), UTF-16 tab-separated text
  (Excel "Unicode text"), whitespace-aligned text (the CDNOW log), and ``.xlsx`` workbooks,
  whose header row is found even below merged title rows and on another sheet;
* Chinese or English column names (``满意度`` or ``satisfaction``), full-width
  digits, money such as ``¥1,234.50``, ``1.2万``, ``29.7万元``, ``3亿``, ``12k`` or a unit in the
  header (``销售额（万元）``), dates such as ``2026年1月5日`` or ``20260105``;
* Big5 as well as GBK, title lines above a CSV header, an order ledger with only customer,
  date and amount (:func:`derive_customers` gives its customer table), and headers of the
  user's own system through a mapping (``columns={"毛利": "gross_profit_12m"}``).

Nothing is loaded silently wrong: total and subtotal rows (合计, 小计, Total) are dropped with
a notice (:func:`notices`); decimal commas, dates after today (or ``as_of``), two columns for
one field, rows in another encoding, formulas without values, Excel error values, encrypted
or renamed files are refused with their own message. Names keep what the user wrote (NFKC
folding is used for matching only). Every input is measured against :mod:`workbook.limits`
(bytes, columns, rows, cells, inflated .xlsx size) before it is parsed.

Whatever is wrong is reported all at once by one :class:`~workbook.errors.WorkbookInputError`
that names the file, the column, the spreadsheet rows and what was expected, in the
active language. Checks on values (ranges, allowed values, missing cells, duplicate
ids, cross-column rules) are declared as a pandera schema built from the column
specifications below.

Example
-------
>>> from workbook import data
>>> customers = data.load_customers(data.DATASETS_DIR / "customers.csv")
>>> bool(customers["satisfaction"].between(1, 5).all())
True
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import itertools
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from workbook import i18n, limits
from workbook.classify import strictly_increasing
from workbook.errors import Problem, WorkbookInputError, fail
from workbook.limits import Limits

DATASETS_DIR = Path(__file__).resolve().parent.parent / "datasets"
MAX_BYTES = 50 * 1024 * 1024  # uploads beyond this are refused before parsing
HEADER_SEARCH_ROWS = 10  # how far down a sheet the header row may sit below title rows
NA_TOKENS = ("", "na", "n/a", "nan", "null", "none", "-", "—", "--", "#n/a")
TRUE_TOKENS = ("true", "1", "yes", "y", "是", "√", "✓", "t")
FALSE_TOKENS = ("false", "0", "no", "n", "否", "×", "✗", "f")


@dataclass(frozen=True)
class Col:
    """One column of a table: canonical name, Chinese name, kind and the rules its values follow.

    ``kind`` is one of ``id``, ``text``, ``category``, ``bool``, ``int``, ``float``, ``date``.
    ``allowed`` maps each category code to its accepted spellings (codes are always accepted).
    """

    name: str
    zh: str
    kind: str
    required: bool = True
    nullable: bool = False
    low: float | None = None
    high: float | None = None
    allowed: dict[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return f"{self.name} / {self.zh}"

    def spellings(self) -> tuple[str, ...]:
        return (self.name, self.zh, *self.aliases)


@dataclass(frozen=True)
class RowCheck:
    """A rule across the columns ``needs``: ``test(frame)`` is True where a row is fine.

    Problems are reported under ``needs[0]``; the rule is skipped when a column is absent.
    """

    key: str
    needs: tuple[str, ...]
    test: Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class TableSpec:
    """A table's columns and row rules; ``fallbacks`` name a column that stands in for a missing
    one (an order ledger that names customers only by 客户名称 uses it as the customer key)."""

    name: str
    columns: tuple[Col, ...]
    checks: tuple[RowCheck, ...] = ()
    fallbacks: tuple[tuple[str, str], ...] = ()

    def by_name(self) -> dict[str, Col]:
        return {c.name: c for c in self.columns}


def _count(name, zh, **kw):
    return Col(name, zh, "int", low=0, **kw)


def _money(name, zh, **kw):
    return Col(name, zh, "float", **kw)


CUSTOMERS = TableSpec(
    "customers",
    (
        Col("customer_id", "客户编号", "id", aliases=("客户id", "客户代码", "客户编码", "客户号", "id")),
        Col("name", "客户名称", "text", required=False, aliases=("公司名称", "客户名", "客户全称")),
        Col("industry", "行业", "text", required=False, nullable=True),
        Col("region", "区域", "text", required=False, nullable=True, aliases=("地区",)),
        Col(
            "company_size",
            "企业规模",
            "category",
            required=False,
            allowed={"large": ("大型", "大"), "medium": ("中型", "中"), "small": ("小型", "小")},
        ),
        Col(
            "customer_group",
            "客户群",
            "category",
            required=False,
            aliases=("客户群组",),
            allowed={"standard": ("标准型",), "technical": ("技术型",), "strategic": ("战略型",)},
        ),
        Col(
            "dealer_class",
            "经销商等级",
            "category",
            required=False,
            nullable=True,
            allowed={"A": ("a", "A类"), "B": ("b", "B类"), "C": ("c", "C类")},
        ),
        Col("member", "会员", "bool", required=False, aliases=("是否会员",)),
        Col("first_purchase_date", "首次购买日期", "date", required=False, nullable=True),
        Col("last_purchase_date", "最近购买日期", "date", required=False, nullable=True),
        _count("orders_12m", "近12月订单数", required=False),
        _money("revenue_12m", "近12月销售额", required=False, low=0),
        _money("gross_profit_12m", "近12月毛利", required=False),
        _money("purchase_potential", "购买潜力", required=False, low=0),
        Col("satisfaction", "满意度", "int", required=False, low=1, high=5),
        Col("recommend_score", "推荐意愿", "int", required=False, low=0, high=10),
        Col("trust", "信任度", "int", required=False, low=1, high=5),
        Col("cooperation", "合作意愿", "int", required=False, low=1, high=5),
        _count("referrals", "推荐客户数", required=False),
        _count("overdue_days", "逾期天数", required=False),
        _money("overdue_amount", "逾期金额", required=False, low=0),
        _count("contacts_decision", "决策层联系人数", required=False),
        _count("contacts_management", "管理层联系人数", required=False),
        _count("contacts_operational", "执行层联系人数", required=False),
        _count("service_tickets", "售后工单数", required=False),
        Col("service_satisfaction", "售后满意度", "float", required=False, nullable=True, low=1, high=5),
        _count("enquiries_12m", "近12月询价次数", required=False),
        Col("needs_documented", "需求已书面确认", "bool", required=False),
        _count("joint_projects", "联合项目数", required=False),
    ),
    (
        RowCheck(
            "data.last_before_first",
            ("last_purchase_date", "first_purchase_date"),
            lambda f: ~(f["last_purchase_date"] < f["first_purchase_date"]),
        ),
        RowCheck(
            "data.profit_above_revenue",
            ("gross_profit_12m", "revenue_12m"),
            lambda f: ~(f["gross_profit_12m"] > f["revenue_12m"] + 0.005),
        ),
    ),
)

# An order's date and money as Chinese ERPs and English exports (CDNOW's log) name them.
# Only hints (HINTS), never taken unasked: total and value (a running total, a score), 回款
# (money received, not sales). Neither: price, a unit price (× quantity ≠ the order's amount).
ORDER_DATE_ALIASES = (
    *("日期", "下单日期", "成交日期", "销售日期", "单据日期"),
    *("date", "transaction_date", "purchase_date", "sales_date", "invoice_date"),
)
AMOUNT_ALIASES = (
    *("订单金额", "销售额", "成交金额", "销售金额", "价税合计"),
    *("dollar_value", "sales", "sales_amount", "revenue", "order_amount", "order_value", "order_total"),
    "net_amount",
)

TRANSACTIONS = TableSpec(
    "transactions",
    (
        Col("order_id", "订单号", "id", required=False, aliases=("订单编号", "单据编号", "单号")),
        Col("customer_id", "客户编号", "text", aliases=("客户id", "客户代码", "客户编码", "客户号", "客户")),
        Col(
            "customer_name", "客户名称", "text", required=False, nullable=True, aliases=("客户名", "客户全称")
        ),
        Col("order_date", "订单日期", "date", aliases=ORDER_DATE_ALIASES),
        _money("amount", "金额", aliases=AMOUNT_ALIASES),
        _money("gross_profit", "毛利", required=False, aliases=("毛利额",)),
        Col("product_line", "产品线", "text", required=False, nullable=True),
    ),
    (
        # ~(≤ 0), not > 0: an unreadable (NaN) amount is reported as unreadable, not as ≤ 0
        RowCheck("data.amount_not_positive", ("amount",), lambda f: ~(f["amount"] <= 0)),
        RowCheck(
            "data.profit_above_amount",
            ("gross_profit", "amount"),
            lambda f: ~(f["gross_profit"] > f["amount"] + 0.005),
        ),
    ),
    fallbacks=(("customer_id", "customer_name"),),
)

TOUCHPOINTS = {"sales": ("销售",), "delivery": ("交付",), "after_sales": ("售后",), "billing": ("账单",)}
NPS_SURVEY = TableSpec(
    "nps_survey",
    (
        Col("response_id", "问卷编号", "id"),
        Col("customer_id", "客户编号", "text", required=False, nullable=True),
        Col("response_date", "填写日期", "date", required=False, nullable=True),
        Col("touchpoint", "触点", "category", required=False, nullable=True, allowed=TOUCHPOINTS),
        Col("recommend_score", "推荐意愿", "int", low=0, high=10),
        Col("csat", "满意度", "int", required=False, nullable=True, low=1, high=5),
        Col("ces", "费力度", "int", required=False, nullable=True, low=1, high=7),
        Col("comment", "留言", "text", required=False, nullable=True),
    ),
)

SERVQUAL_DIMENSIONS = {
    "tangibles": "有形性",
    "reliability": "可靠性",
    "responsiveness": "响应性",
    "assurance": "保证性",
    "empathy": "同理心",
}
SERVQUAL_ITEMS = {"tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}
SERVQUAL_SCALE = (1, 7)


def _servqual_spec() -> TableSpec:
    low, high = SERVQUAL_SCALE
    cols = [
        Col("respondent_id", "受访者编号", "id"),
        Col("customer_id", "客户编号", "text", required=False, nullable=True),
    ]
    for dim, zh in SERVQUAL_DIMENSIONS.items():
        for k in range(1, SERVQUAL_ITEMS[dim] + 1):
            cols.append(Col(f"exp_{dim}_{k}", f"期望_{zh}_{k}", "int", low=low, high=high))
            cols.append(Col(f"per_{dim}_{k}", f"感知_{zh}_{k}", "int", low=low, high=high))
    imp = [f"imp_{dim}" for dim in SERVQUAL_DIMENSIONS]
    cols += [
        Col(f"imp_{dim}", f"重要性_{zh}", "float", required=False, low=0, high=100)
        for dim, zh in SERVQUAL_DIMENSIONS.items()
    ]
    sums_to_100 = RowCheck(
        "data.importance_not_100",
        tuple(imp),
        lambda f: ((f[imp].sum(axis=1) - 100).abs() <= 0.5) | f[imp].isna().all(axis=1),
    )
    return TableSpec("servqual", tuple(cols), (sums_to_100,))


SERVQUAL = _servqual_spec()
TABLES = {spec.name: spec for spec in (CUSTOMERS, TRANSACTIONS, NPS_SURVEY, SERVQUAL)}

Source = str | Path | bytes | BinaryIO | pd.DataFrame


# ---------------------------------------------------------------- public loaders


def load_customers(
    source: Source,
    *,
    name: str | None = None,
    columns: Mapping[str, str] | None = None,
    as_of=None,
    require: Iterable[str] = (),
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Customer snapshot (one row per customer), validated; see ``datasets/README.md``.

    Only ``customer_id`` is required: the table keeps the columns the file has, and each
    analysis names what it lacks (:mod:`workbook.columns`). ``require`` adds columns the
    caller cannot do without. ``columns`` maps the file's own headers to canonical names,
    ``{"毛利": "gross_profit_12m"}``. Dates after ``as_of`` (default: today) are refused.
    Total rows (合计, 小计, Total) are dropped; :func:`notices` says which.

    >>> load_customers(DATASETS_DIR / "customers.csv").shape[1]
    29
    """
    frame = _load(source, CUSTOMERS, name, columns=columns, as_of=as_of, lim=limits, require=require)
    return _reset(frame)


def load_transactions(
    source: Source,
    *,
    name: str | None = None,
    customers: pd.DataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    as_of=None,
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Orders (one row per order or order line): an ERP/CRM sales ledger.

    Needs the customer (``客户编号``, or ``客户名称`` when the ledger has no code), the date and
    the amount; order id, gross profit and product line are kept when present. With
    ``customers``, every ``customer_id`` must be one of theirs (compared NFKC-folded, so a
    full-width ``Ｃ001`` matches ``C001``; the values stay as written).
    """
    label = name or _source_name(source)
    frame = _load(source, TRANSACTIONS, name, columns=columns, as_of=as_of, lim=limits)
    if customers is not None:
        _check_known_customers(frame, customers, label)
    return _reset(frame)


def load_nps_survey(source: Source, *, name: str | None = None, **options) -> pd.DataFrame:
    """NPS / CSAT / CES survey answers (one row per response)."""
    return load_table(source, NPS_SURVEY, name=name, **options)


def load_servqual(source: Source, *, name: str | None = None, **options) -> pd.DataFrame:
    """SERVQUAL answers, wide: ``exp_<dimension>_<k>``, ``per_<dimension>_<k>``, ``imp_<dimension>``."""
    return load_table(source, SERVQUAL, name=name, **options)


def load_table(
    source: Source,
    spec: TableSpec | str,
    *,
    name: str | None = None,
    columns: Mapping[str, str] | None = None,
    as_of=None,
    limits: Limits | None = None,
) -> pd.DataFrame:
    """Read ``source`` as the table ``spec`` (a :data:`TABLES` key or a :class:`TableSpec`).

    Raises :class:`WorkbookInputError` listing every problem found.
    """
    return _reset(_load(source, spec, name, columns=columns, as_of=as_of, lim=limits))


def notices(frame: pd.DataFrame, lang: str | None = None) -> list[str]:
    """What the loader changed without refusing the file (total rows dropped), as sentences.

    >>> notices(load_customers(DATASETS_DIR / "customers.csv"))
    []
    """
    return [p.message(lang) for p in frame.attrs.get("notices", [])]


def _reset(frame: pd.DataFrame) -> pd.DataFrame:
    attrs = dict(frame.attrs)
    out = frame.reset_index(drop=True)
    out.attrs.update(attrs)
    return out


def _load(
    source: Source,
    spec: TableSpec | str,
    name: str | None,
    *,
    columns=None,
    as_of=None,
    lim: Limits | None = None,
    require: Iterable[str] = (),
) -> pd.DataFrame:
    """Like :func:`load_table` but the index still holds the rows as the user numbers them."""
    spec = TABLES[spec] if isinstance(spec, str) else spec
    label = name or _source_name(source)
    lim = lim or limits.current()
    # A frame given is never changed: copy-on-write copies only the columns written to.
    raw = source.copy(deep=False) if isinstance(source, pd.DataFrame) else read_raw(source, spec, label, lim)
    raw, dropped, encoded = _drop_total_rows(raw, _encode_repeated(raw))
    renamed = _map_columns(raw, spec, label, columns)
    hints = renamed.attrs.pop("hints")  # pandas deep-copies attrs in every operation: keep them small
    positions = renamed.attrs.pop("positions")
    encoded = {name: encoded[p] for name, p in positions.items() if p in encoded}
    lacking = [c for c in require if c not in renamed.columns]
    if lacking:
        raise WorkbookInputError(
            label,
            [
                _missing_column(spec.by_name()[c], [str(h) for h in raw.columns])
                if c in spec.by_name()
                else Problem("data.missing_column", column=c)
                for c in lacking
            ],
        )
    latest = pd.Timestamp(as_of if as_of is not None else pd.Timestamp.today()).normalize()
    typed, problems = _coerce(renamed, spec, latest, encoded)
    problems += _validate(typed, spec)
    if problems:
        raise WorkbookInputError(label, _merge(problems, list(typed.attrs["headers"].values())))
    typed.attrs["notices"] = [
        Problem(p.key, rows=p.rows, n_rows=p.n_rows, params={"source": label}) for p in dropped
    ] + [Problem("data.unmapped_column", column=p.column, params=dict(p.params)) for p in hints]
    return typed


OUTLIER_GAP = pd.Timedelta(days=60)  # a date this far after every other one is set aside


def latest_regular_date(dates: pd.Series) -> tuple[pd.Timestamp, pd.Series]:
    """The latest date of ``dates`` that is not an outlier, and the outlying dates (by row).

    The default assessment date must not come from one mistyped row: a last order in 2026-11
    when every other order ends in 2026-06 would make every customer look lapsed. The few latest
    dates (at most 1 % of the rows, at most 5; one for 20–199 rows) that lie more than
    :data:`OUTLIER_GAP` (60 days) after all the others are set aside. Below 20 dated rows every
    date counts. Dates after today were refused when the file was loaded.

    >>> d = pd.Series(pd.to_datetime(["2026-06-30"] * 99 + ["2026-11-15"]))
    >>> when, outliers = latest_regular_date(d)
    >>> str(when.date()), outliers.index.tolist()
    ('2026-06-30', [99])
    >>> latest_regular_date(d.iloc[:99])[0].date().isoformat()
    '2026-06-30'
    """
    known = dates.dropna()
    tail = 0 if len(known) < 20 else min(5, max(1, len(known) // 100))
    top = known.nlargest(tail + 1)  # newest first
    gaps = top.to_numpy()[:-1] - top.to_numpy()[1:]  # each of the newest after the next one
    far = np.flatnonzero(gaps > OUTLIER_GAP.to_timedelta64())
    latest = top.iloc[far[-1] + 1] if far.size else top.iloc[0] if len(top) else pd.NaT
    return pd.Timestamp(latest).normalize(), known[known > latest]


@dataclass(frozen=True)
class AsOf:
    """The default assessment date and why: ``basis`` (a catalogue key: the ledger's latest regular
    order, the customer table's latest last purchase, or today) and the ``outliers`` set aside,
    as (customer, date) pairs, earliest first. :meth:`why` says it in a language."""

    date: pd.Timestamp
    basis: str
    outliers: tuple[tuple[str, pd.Timestamp], ...] = ()

    def why(self, lang: str | None = None) -> str:
        """The reason as a phrase, naming each date set aside with its customer.

        >>> AsOf(pd.Timestamp("2026-06-30"), "data.as_of_latest_order",
        ...      (("C29", pd.Timestamp("2026-11-15")),)).why("en")[-14:]
        'C29 2026-11-15'
        """
        text = i18n.t(self.basis, lang)
        if self.outliers:
            shown = ", ".join(f"{who} {when:%Y-%m-%d}" for who, when in self.outliers)
            days = OUTLIER_GAP.days
            text += i18n.t("data.as_of_outliers", lang, n=len(self.outliers), shown=shown, days=days)
        return text


def default_as_of(customers: pd.DataFrame | None, transactions: pd.DataFrame | None) -> AsOf:
    """The assessment date when none is given: the latest regular order of the ledger, else the
    latest regular last purchase of the customer table (:func:`latest_regular_date`), else today.

    Dates after today were refused when the files were loaded, and a few dates far after all the
    others are set aside and named, so one mistyped year can never become the assessment date.

    >>> ledger = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)],
    ...     "order_date": pd.to_datetime(["2026-06-30"] * 29 + ["2026-11-15"])})
    >>> chosen = default_as_of(None, ledger)
    >>> str(chosen.date.date()), chosen.outliers[0][0], chosen.outliers[0][1].date().isoformat()
    ('2026-06-30', 'C29', '2026-11-15')
    """
    if transactions is not None:
        table, column, basis = transactions, "order_date", "data.as_of_latest_order"
    elif (
        customers is not None
        and "last_purchase_date" in customers
        and customers["last_purchase_date"].notna().any()
    ):
        table, column, basis = customers, "last_purchase_date", "data.as_of_latest_purchase"
    else:
        return AsOf(pd.Timestamp.today().normalize(), "data.as_of_today")
    when, outliers = latest_regular_date(table[column])
    outliers = outliers.sort_values()
    ids = table.loc[outliers.index, "customer_id"].astype(str)
    return AsOf(when, basis, tuple(zip(ids, outliers, strict=True)))


def derive_customers(transactions: pd.DataFrame, as_of=None) -> pd.DataFrame:
    """The customer table an order ledger gives: one row per customer with ``first_purchase_date``,
    ``last_purchase_date``, ``orders_12m`` and ``revenue_12m`` (the 365 days up to ``as_of``),
    ``gross_profit_12m`` when the ledger has profit, and ``name`` when it has customer names.

    Orders after ``as_of`` (default: the last regular order, :func:`latest_regular_date`) are
    left out. ``orders_12m`` counts
    distinct order ids, or ledger rows when there is no order id.

    >>> ledger = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 5.0, 7.0],
    ...     "order_date": pd.to_datetime(["2025-01-10", "2026-01-05", "2026-01-06"])})
    >>> derive_customers(ledger, as_of="2026-01-31")[["orders_12m", "revenue_12m"]].to_numpy().tolist()
    [[1.0, 5.0], [1.0, 7.0]]
    """
    dates = transactions["order_date"]
    end = pd.Timestamp(as_of).normalize() if as_of is not None else latest_regular_date(dates)[0]
    known = transactions[dates <= end]
    recent = (known["order_date"] > end - pd.Timedelta(days=365)).to_numpy()
    frame = pd.DataFrame(
        {
            "customer_id": known["customer_id"].to_numpy(),
            "date": known["order_date"].to_numpy(),
            "recent_amount": np.where(recent, known["amount"].to_numpy(dtype="float64"), 0.0),
            "recent": recent,
        }
    )
    if "order_id" in known:
        frame["order"] = np.where(recent, known["order_id"].astype(str).to_numpy(), None)
    if "gross_profit" in known:
        frame["profit"] = np.where(recent, known["gross_profit"].to_numpy(dtype="float64"), 0.0)
    g = frame.groupby("customer_id", sort=True, observed=True)
    out = pd.DataFrame(
        {
            "first_purchase_date": g["date"].min(),
            "last_purchase_date": g["date"].max(),
            "orders_12m": g["order"].nunique() if "order" in frame else g["recent"].sum(),
            "revenue_12m": g["recent_amount"].sum(),
        }
    )
    if "profit" in frame:
        out["gross_profit_12m"] = g["profit"].sum()
    if "customer_name" in known:
        out.insert(0, "name", known.groupby("customer_id", sort=True, observed=True)["customer_name"].last())
    out["orders_12m"] = out["orders_12m"].astype("int64")
    out = out.reset_index()
    out.attrs["as_of"] = end
    return out


def guess_table(source: Source, *, columns: Mapping[str, str] | None = None, name: str | None = None) -> str:
    """``"transactions"`` when the file's header names an order date and an amount (an order
    ledger), else ``"customers"``. Reads only the header region."""
    label = name or _source_name(source)
    raw = read_raw(source, TRANSACTIONS, label) if not isinstance(source, pd.DataFrame) else source
    index = {**_alias_index(TRANSACTIONS), **{_norm_header(k): v for k, v in (columns or {}).items()}}
    found = {index.get(_norm_header(h)) for h in raw.columns}
    return "transactions" if {"order_date", "amount"} <= found else "customers"


def suggest_mapping(source: Source, *, name: str | None = None) -> dict[str, str | None]:
    """Each header of ``source`` with the canonical column it is read as, the one it probably
    means (毛利 → gross_profit_12m), or None: the start of a column-mapping file."""
    label = name or _source_name(source)
    kind = guess_table(source, name=label)
    spec = TABLES[kind]
    raw = read_raw(source, spec, label) if not isinstance(source, pd.DataFrame) else source
    index = _alias_index(spec)
    hints: dict[str, list[str]] = {}
    for canonical, words in HINTS.items():
        for word in words if canonical in spec.by_name() else ():
            hints.setdefault(_norm_header(word), []).append(canonical)
    out: dict[str, str | None] = {h: index.get(_norm_header(h)) for h in map(str, raw.columns)}
    used = set(out.values())
    for header, canonical in out.items():  # a hint only where it takes no column twice
        if canonical is None:
            free = [c for c in hints.get(_norm_header(header), []) if c not in used]
            out[header] = free[0] if free else None
            used.add(out[header])
    return out


def require_columns(frame: pd.DataFrame, columns: Iterable[str], source: str) -> None:
    """Raise a clear error when ``frame`` lacks any of ``columns`` (for functions fed user tables)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WorkbookInputError(source, [Problem("data.missing_column", column=c) for c in missing])


# ---------------------------------------------------------------- reading bytes


def _source_name(source: Source) -> str:
    if isinstance(source, pd.DataFrame):
        return "DataFrame"
    if isinstance(source, str | Path):
        return Path(source).name
    return getattr(source, "name", None) or "upload"


def _read_bytes(source: Source, label: str, lim: Limits) -> bytes:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise fail(label, "data.file_not_found", path=str(path))
        _check_size(path.stat().st_size, label, lim)
        blob = path.read_bytes()
    else:
        blob = source if isinstance(source, bytes) else source.read(_max_bytes(lim) + 1)
        _check_size(len(blob), label, lim)
    if not blob.strip():
        raise fail(label, "data.empty_file")
    return blob


def _max_bytes(lim: Limits) -> int:
    # MAX_BYTES stays a module setting (tests and old code lower it); the smaller one wins.
    return min(lim.max_bytes, MAX_BYTES)


def _check_size(size: int, label: str, lim: Limits) -> None:
    limit = _max_bytes(lim)
    if size > limit:
        raise fail(
            label,
            "data.file_too_large",
            size_mb=size / 2**20,
            max_mb=limit / 2**20,
            setting="WORKBOOK_MAX_UPLOAD_MB",
        )


def read_raw(source: Source, spec: TableSpec, label: str, lim: Limits | None = None) -> pd.DataFrame:
    """The file's cells as strings with the header applied; the index holds spreadsheet row numbers.

    Every limit of :mod:`workbook.limits` is checked before the cells are parsed.
    """
    lim = lim or limits.current()
    blob = _read_bytes(source, label, lim)
    if blob.startswith(b"PK\x03\x04"):
        return _read_xlsx(blob, spec, label, lim)
    if blob.startswith(b"\xd0\xcf\x11\xe0"):
        # Excel saves a password-protected .xlsx as an OLE file holding an "EncryptedPackage".
        if "EncryptedPackage".encode("utf-16-le") in blob:
            raise fail(label, "data.password_protected")
        raise fail(label, "data.old_excel")
    if blob.startswith(b"PK"):
        raise fail(label, "data.damaged_excel")
    return _read_text(_decode(blob, label), spec, label, lim)


# Legacy encodings of Chinese exports, tried when the file is not UTF-8.
GB2312_SHARE = 0.9  # simplified Chinese text has nearly all its characters in GB2312
ENCODING_SAMPLE = 200_000  # characters looked at to judge an encoding


def _decode(blob: bytes, label: str) -> str:
    """The file as text: UTF-16 (BOM), UTF-8, else GB18030 or Big5, whichever reads as Chinese.

    Never returns mojibake: a UTF-8 file with a few rows in another encoding is refused
    naming those rows, and a file that reads as neither is refused.
    """
    if blob.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return blob.decode("utf-16")
        except UnicodeDecodeError:
            raise fail(label, "data.unknown_encoding") from None
    try:
        return blob.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    bad_rows = _non_utf8_rows(blob)
    if bad_rows is not None:
        rows, n = bad_rows
        raise fail(label, "data.mixed_encoding", rows=tuple(rows[:5]), n_rows=n)
    for encoding in ("gb18030", "big5"):
        try:
            text = blob.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _reads_as_chinese(text, encoding):
            return text
    raise fail(label, "data.unknown_encoding")


def _non_utf8_rows(blob: bytes) -> tuple[list[int], int] | None:
    """Line numbers that are not UTF-8, when the other non-ASCII lines are (a UTF-8 file with
    a few rows pasted from a GBK file); None when the file as a whole is in another encoding."""
    lines = blob.split(b"\n")
    good, bad = 0, []
    for number, line in enumerate(lines, 1):  # only on files that are not UTF-8: an error path
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad.append(number)
    return (bad, len(bad)) if good >= len(bad) else None


def _reads_as_chinese(text: str, encoding: str) -> bool:
    """True when ``text`` decoded with ``encoding`` looks like real Chinese, not mojibake.

    Big5 bytes decoded as GBK give characters outside GB2312 (the common simplified set)
    for most trail bytes; GBK bytes decoded as Big5 give rare traditional characters. Each
    encoding is judged against its own common set.
    """
    common = "gb2312" if encoding == "gb18030" else "big5"
    sample = text[:ENCODING_SAMPLE]
    chars = pd.Series(list(sample))
    han = chars[chars.between("\u4e00", "\u9fff")]
    if han.empty:
        return True
    counts = han.value_counts()
    in_common = np.array([_encodes(ch, common) for ch in counts.index])  # distinct characters only
    if encoding == "big5":
        # Big5's first level (common) characters: lead bytes 0xA4–0xC6.
        lead = np.array(
            [ch.encode("big5")[0] if ok else 0 for ch, ok in zip(counts.index, in_common, strict=True)]
        )
        in_common &= (lead >= 0xA4) & (lead <= 0xC6)
    return float(counts[in_common].sum()) / float(counts.sum()) >= GB2312_SHARE


def _encodes(char: str, encoding: str) -> bool:
    try:
        char.encode(encoding)
        return True
    except UnicodeEncodeError:
        return False


SEPARATORS = {",": "comma", "\t": "tab"}
WRONG_SEPARATORS = {";": "；", "，": "，", "|": "|", "、": "、"}
WHITESPACE = r"\s+"  # columns aligned by runs of spaces: a fixed-width text export (CDNOW's log)


def _read_text(text: str, spec: TableSpec, label: str, lim: Limits) -> pd.DataFrame:
    """CSV, tab-separated or whitespace-aligned text; the header may sit below a few title lines.

    Whitespace separation is taken only when no comma or tab splits a header line and runs of
    spaces do, into cells naming at least two known columns: ``customer_id date dollar_value``.
    """
    lines = text.splitlines()
    candidates = [i for i in range(min(len(lines), 50 * HEADER_SEARCH_ROWS)) if lines[i].strip()]
    candidates = candidates[:HEADER_SEARCH_ROWS]
    if not candidates:
        raise fail(label, "data.empty_file")
    widest = max(candidates, key=lambda i: max(lines[i].count(s) for s in SEPARATORS))
    sep = max(SEPARATORS, key=lines[widest].count)
    _check_shape(label, lim, columns=lines[widest].count(sep) + 1, rows=len(lines))
    if "\x00" in text:
        rows = [i + 1 for i, line in enumerate(lines) if "\x00" in line]
        raise fail(label, "data.nul_bytes", rows=tuple(rows[:5]), n_rows=len(rows))
    first, hits = _header_line(lines, candidates, sep, spec)
    if hits < 2:
        sep, first = _whitespace_header(lines, candidates, spec) or (sep, first)
    header = lines[first]
    if sep == WHITESPACE:
        _check_shape(label, lim, columns=_field_count(header, sep), rows=len(lines))
    elif header.count(sep) == 0:
        wrong = max(WRONG_SEPARATORS, key=header.count)
        if header.count(wrong):
            raise fail(label, "data.wrong_separator", separator=wrong)
    names = _cells(header, sep)
    ragged = "data.ragged_row_spaces" if sep == WHITESPACE else "data.ragged_row"
    try:
        with warnings.catch_warnings():
            # index_col=False stops pandas from silently taking a too-long row's extra
            # field as an index; it warns instead, and that warning is our error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                skiprows=first + 1,
                header=None,
                names=list(range(len(names))),
                index_col=False,
            )
    except pd.errors.ParserWarning:
        line = next(
            (i for i in range(first + 1, len(lines)) if _field_count(lines[i], sep) > len(names)), first + 1
        )
        raise fail(
            label, ragged, rows=(line + 1,), expected=len(names), seen=_field_count(lines[line], sep)
        ) from None
    except pd.errors.ParserError as exc:
        raise _parser_error(exc, label, first + 1, ragged) from None
    frame = frame.fillna("")
    frame.columns = [n.strip() for n in names]
    # Spreadsheet row numbers: the header sits on line first+1, data from the next line.
    frame.index = pd.RangeIndex(first + 2, first + 2 + len(frame))
    frame = frame.loc[:, [c != "" for c in frame.columns] if frame.columns.size else []]
    frame = frame[frame.ne("").any(axis=1)]
    if frame.empty:
        raise fail(label, "data.no_rows")
    return frame


def _cells(line: str, sep: str) -> list[str]:
    """One line's cells: split on runs of whitespace for :data:`WHITESPACE`, else read as CSV.

    >>> _cells("  00001   19970101 1", WHITESPACE), _cells('a,"b, c"', ",")
    (['00001', '19970101', '1'], ['a', 'b, c'])
    """
    if sep == WHITESPACE:
        return line.split()
    return next(csv.reader([line], delimiter=sep), [])


def _field_count(line: str, sep: str) -> int:
    """How many fields ``line`` holds (separators counted, quotes ignored: for messages only)."""
    return len(line.split()) if sep == WHITESPACE else line.count(sep) + 1


def _header_line(lines: list[str], candidates: list[int], sep: str, spec: TableSpec) -> tuple[int, int]:
    """The line among the first non-blank ones that names the most known columns (title lines
    above the header are skipped), and how many it names; the first line when none names two."""
    hits = [_header_hits(pd.Series(_cells(lines[i], sep), dtype=object), spec) for i in candidates]
    most = max(hits)
    return (candidates[hits.index(most)] if most >= 2 else candidates[0]), most


def _whitespace_header(lines: list[str], candidates: list[int], spec: TableSpec) -> tuple[str, int] | None:
    """``(WHITESPACE, header line)`` when a line without comma or tab splits on spaces into
    cells naming two known columns; None otherwise (a one-column file stays one column)."""
    plain = [i for i in candidates if not any(s in lines[i] for s in SEPARATORS)]
    if not plain:
        return None
    first, hits = _header_line(lines, plain, WHITESPACE, spec)
    return (WHITESPACE, first) if hits >= 2 else None


def _check_shape(label: str, lim: Limits, *, columns: int, rows: int) -> None:
    """Columns, rows and cells against the limits, from counts taken before parsing."""
    if columns > lim.max_columns:
        raise fail(
            label, "data.too_many_columns", n=columns, limit=lim.max_columns, setting="WORKBOOK_MAX_COLUMNS"
        )
    if rows > lim.max_rows:
        raise fail(label, "data.too_many_rows", n=rows, limit=lim.max_rows, setting="WORKBOOK_MAX_ROWS")
    if rows * columns > lim.max_cells:
        raise fail(
            label, "data.too_many_cells", n=rows * columns, limit=lim.max_cells, setting="WORKBOOK_MAX_CELLS"
        )


def _parser_error(
    exc: Exception, label: str, offset: int, ragged: str = "data.ragged_row"
) -> WorkbookInputError:
    """pandas' tokenizer errors as the row the user must fix (``offset``: lines before the data;
    ``ragged``: the message for a row with too many fields)."""
    text = str(exc)
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if match:
        expected, line, seen = (int(g) for g in match.groups())
        return fail(label, ragged, rows=(line + offset - 1,), expected=expected, seen=seen)
    match = re.search(r"EOF inside string starting at row (\d+)", text)
    if match:
        return fail(label, "data.unclosed_quote", rows=(int(match.group(1)) + offset,))
    return fail(label, "data.unreadable_csv")


XLSX_ERRORS = (
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#SPILL!",
    "#CALC!",
    "#GETTING_DATA",
)


def _read_xlsx(blob: bytes, spec: TableSpec, label: str, lim: Limits) -> pd.DataFrame:
    _check_xlsx_parts(blob, label, lim)
    try:
        sheets = pd.read_excel(io.BytesIO(blob), sheet_name=None, header=None, dtype=object)
    except Exception:  # openpyxl raises many types for damaged files; all mean the same to a user
        raise fail(label, "data.damaged_excel") from None
    best = None
    for sheet_name, cells in sheets.items():
        for row in range(min(HEADER_SEARCH_ROWS, len(cells))):
            hits = _header_hits(cells.iloc[row], spec)
            if hits >= 2 and (best is None or hits > best[0]):
                best = (hits, sheet_name, row)
    if best is None:
        expected = ", ".join(c.zh for c in spec.columns if c.required)
        raise fail(label, "data.no_header", sheets=", ".join(map(str, sheets)), expected=expected)
    _, sheet_name, row = best
    cells = sheets[sheet_name]
    frame = cells.iloc[row + 1 :].copy()
    frame.columns = [_cell_text(v).strip() for v in cells.iloc[row]]
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    frame = frame.map(_cell_text)
    frame.index = frame.index + 1  # iloc position → Excel row number
    frame = frame[frame.ne("").any(axis=1)]
    if frame.empty:
        raise fail(f"{label} [{sheet_name}]", "data.no_rows")
    return frame


def _check_xlsx_parts(blob: bytes, label: str, lim: Limits) -> None:
    """Zip directory, inflated size, declared sheet sizes and formulas without values, before
    openpyxl inflates anything: a 2 MB file may hold a sheet of a gigabyte."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(blob))
        parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise fail(label, "data.damaged_excel") from None
    names = {p.filename for p in parts}
    if "xl/workbook.xml" not in names:
        raise fail(label, "data.zip_not_excel", parts=", ".join(sorted(names)[:3]))
    inflated = sum(p.file_size for p in parts)
    if inflated > lim.max_inflated:
        raise fail(
            label,
            "data.xlsx_too_large",
            size_mb=inflated / 2**20,
            max_mb=lim.max_inflated / 2**20,
            setting="WORKBOOK_MAX_XLSX_MB",
        )
    for part in parts:
        if not part.filename.startswith("xl/worksheets/") or not part.filename.endswith(".xml"):
            continue
        try:
            with archive.open(part) as stream:
                head = stream.read(4096).decode("utf-8", "replace")
                match = re.search(r'<dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"', head)
                if match:
                    _check_shape(label, lim, columns=_column_number(match.group(1)), rows=int(match.group(2)))
                xml = head + stream.read().decode("utf-8", "replace")  # size bounded by max_inflated
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
            raise fail(label, "data.damaged_excel") from None
        _check_cells(xml, label)


def _check_cells(xml: str, label: str) -> None:
    """Formula cells without a computed value (the file was written by a program, not saved by
    Excel) and cells holding Excel error values (#DIV/0!): openpyxl would give both as empty."""
    formula = r"<f[^>]*(?:/>|>[^<]*</f>)"
    empty = re.findall(rf'<c r="([A-Z]+\d+)"[^>]*>\s*{formula}\s*(?:<v>\s*</v>|<v\s*/>)?\s*</c>', xml)
    if empty:
        rows = sorted({int(re.sub(r"[A-Z]", "", ref)) for ref in empty})
        raise fail(
            label,
            "data.formulas_without_values",
            rows=tuple(rows[:5]),
            n_rows=len(rows),
            cells=", ".join(empty[:5]),
        )
    errors = re.findall(rf'<c r="([A-Z]+)(\d+)"[^>]*t="e"[^>]*>(?:{formula})?<v>([^<]*)</v>', xml)
    if errors:
        rows = sorted({int(r) for _, r, _ in errors})
        shown = ", ".join(dict.fromkeys(f"'{v}'" for _, _, v in errors[:20]))
        raise fail(
            label,
            "data.excel_error",
            rows=tuple(rows[:5]),
            n_rows=len(rows),
            values=shown,
            column=", ".join(dict.fromkeys(c for c, _, _ in errors[:5])),
        )


def _column_number(letters: str) -> int:
    """Excel column letters as a number: A → 1, Z → 26, AA → 27, XFD → 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _cell_text(value: object) -> str:
    """An Excel cell as the text a person sees (dates as ISO, whole floats without .0)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | np.datetime64) or hasattr(value, "isoformat"):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- columns


def _norm_header(text: object) -> str:
    """Header text folded for matching: NFKC, lower case, no spaces/underscores/units in brackets."""
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    folded = re.sub(r"\(.*?\)$", "", folded)
    return re.sub(r"[\s_\-./]", "", folded)


# A unit in a header's brackets scales every value of a money column: 销售额（万元）.
HEADER_UNITS = {
    "万元": 1e4,
    "万": 1e4,
    "亿元": 1e8,
    "亿": 1e8,
    "千元": 1e3,
    "千": 1e3,
    "k": 1e3,
    "元": 1.0,
    "rmb": 1.0,
    "cny": 1.0,
    "¥": 1.0,
}


def _header_scale(header: str) -> float | None:
    """The factor a header's unit in brackets means (``销售额(万元)`` → 10,000); None without one."""
    folded = unicodedata.normalize("NFKC", str(header)).strip().lower()
    match = re.search(r"\((.*?)\)$", folded)
    if not match:
        return None
    return HEADER_UNITS.get(match.group(1).strip())


def _fold(text: pd.Series) -> pd.Series:
    """:func:`_norm_header` for a whole column at once, in Arrow kernels."""
    return _strings(_per_distinct(_arrow(text), _fold_values), text.index)


def _fold_values(arr: pa_arrow.Array) -> pa_arrow.Array:
    """:func:`_norm_header` of each text: NFKC, lower case, no unit in brackets, no spaces."""
    arr = pc.utf8_normalize(arr, form="NFKC")
    return _regex(_regex(pc.utf8_lower(arr), r"\(.*?\)$"), r"[\s_\-./]")


def _alias_index(spec: TableSpec) -> dict[str, str]:
    return {_norm_header(s): col.name for col in spec.columns for s in col.spellings()}


def _header_hits(row: pd.Series, spec: TableSpec) -> int:
    index = _alias_index(spec)
    return len({index[_norm_header(v)] for v in row if isinstance(v, str) and _norm_header(v) in index})


# Headers that often mean a column but are not safe to take for it without the user saying so:
# they only make the "did you mean" hint (回款 is money received, not sales).
HINTS = {
    "gross_profit_12m": ("毛利", "利润", "毛利额", "利润额", "近12月利润", "profit"),
    "gross_profit": ("利润", "毛利额", "利润额", "profit"),
    "revenue_12m": (
        "销售额",
        "成交金额",
        "回款金额",
        "回款",
        "销售金额",
        "营业额",
        "金额",
        "revenue",
        "sales",
    ),
    "amount": ("回款金额", "回款", "含税金额", "价税合计", "实收金额", "total", "value"),
    "name": ("客户", "客户全称", "单位名称", "公司"),
    "customer_id": ("客户", "客户名称", "客户号", "编号"),
    "satisfaction": ("满意", "客户满意度", "满意度评分"),
    "recommend_score": ("nps", "推荐", "推荐值", "净推荐值"),
}


def _map_columns(
    raw: pd.DataFrame, spec: TableSpec, label: str, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Select and rename the known columns; ``columns`` maps the user's headers to canonical names
    first (``{"毛利": "gross_profit_12m"}``). Two headers for one column are refused, whether the
    headers are spelled the same or not."""
    index = _alias_index(spec)
    known = spec.by_name()
    user = {_norm_header(k): v for k, v in (columns or {}).items()}
    problems = [
        Problem(
            "data.mapping_unknown_target", column=str(k), params={"target": v, "allowed": ", ".join(known)}
        )
        for k, v in (columns or {}).items()
        if v not in known
    ]
    picked: dict[int, str] = {}
    seen: dict[str, str] = {}
    for position, header in enumerate(raw.columns):
        key = _norm_header(header)
        canonical = user.get(key, index.get(key))
        if canonical is None or canonical not in known:
            continue
        if canonical in seen:
            problems.append(
                Problem(
                    "data.duplicate_column",
                    column=str(header),
                    params={"other": seen[canonical], "position": position + 1},
                )
            )
            continue
        seen[canonical] = str(header)
        picked[position] = canonical
    unknown = [str(h) for p, h in enumerate(raw.columns) if p not in picked]
    fallbacks = dict(spec.fallbacks)
    stand_ins = {}
    for col in spec.columns:
        if col.required and col.name not in seen:
            if fallbacks.get(col.name) in seen:
                stand_ins[col.name] = fallbacks[col.name]
                continue
            problems.append(_missing_column(col, unknown))
    if problems:
        raise WorkbookInputError(label, problems)
    frame = raw.iloc[:, list(picked)]  # copy-on-write: raw is ours already, no copy needed
    frame.columns = list(picked.values())
    for missing, other in stand_ins.items():
        frame[missing] = frame[other]
        seen[missing] = seen[other]
    # Optional columns the file seems to have under another header: said, not guessed.
    frame.attrs["hints"] = [
        p
        for c in spec.columns
        if c.name not in seen and (p := _missing_column(c, unknown)).key == "data.missing_column_suggest"
    ]
    # Keep the user's header text for messages: canonical name → what the file called it.
    frame.attrs["headers"] = dict(seen.items())
    frame.attrs["positions"] = {canonical: position for position, canonical in picked.items()}
    frame.attrs["scale"] = {c: s for c, h in seen.items() if (s := _header_scale(h)) not in (None, 1.0)}
    return frame


def _missing_column(col: Col, unknown: list[str]) -> Problem:
    folded = {_norm_header(u): u for u in unknown}
    hints = {_norm_header(h) for h in HINTS.get(col.name, ())}
    exact = [folded[f] for f in folded if f in hints]
    close = difflib.get_close_matches(
        _norm_header(col.name), list(folded), n=1, cutoff=0.75
    ) or difflib.get_close_matches(_norm_header(col.zh), list(folded), n=1, cutoff=0.6)
    found = exact[:1] or [folded[c] for c in close]
    if found:
        return Problem(
            "data.missing_column_suggest",
            column=col.display,
            params={"found": found[0], "canonical": col.name},
        )
    return Problem("data.missing_column", column=col.display)


# ---------------------------------------------------------------- rows that are not records

TOTAL_WORDS = (
    "合计",
    "总计",
    "小计",
    "共计",
    "汇总",
    "总合计",
    "合计金额",
    "本页合计",
    "累计",
    "total",
    "totals",
    "subtotal",
    "grandtotal",
    "sum",
)


# What may surround a total word in its cell: spaces (also full-width) and a colon.
TOTAL_PADDING = " \t\r\n\u3000\u00a0:："


def _drop_total_rows(
    raw: pd.DataFrame, encoded: Mapping[int, pa_arrow.DictionaryArray] | None = None
) -> tuple[pd.DataFrame, list[Problem], dict[int, pa_arrow.DictionaryArray]]:
    """Rows whose text cell says 合计 / 总计 / 小计 / Total, dropped with a notice naming them;
    also the ``encoded`` columns (:func:`_encode_repeated`, by position) without those rows.

    Only whole-cell matches count (a company called 合计科技 is a customer), and only in text
    columns: a total row is a sum of the rows above, never a customer or an order. One Arrow
    pass per text column (per distinct value for a categorical or an encoded one): cheap on
    millions of rows.

    >>> raw = pd.DataFrame({"客户": ["a", "合计 "], "金额": ["1", "1"]})
    >>> kept, dropped, _ = _drop_total_rows(raw)
    >>> kept.index.tolist(), dropped[0].rows
    ([0], (1,))
    """
    encoded = dict(encoded or {})
    hit = np.zeros(len(raw), dtype=bool)
    for c in range(raw.shape[1]):
        column = raw.iloc[:, c]
        if c in encoded:
            words = _is_total_values(encoded[c].dictionary)
            hit |= np.asarray(_per_row(words, encoded[c], missing=False), dtype=bool)
        elif isinstance(column.dtype, pd.CategoricalDtype):
            words = _is_total(column.cat.categories.to_series().astype("string"))
            if words.any():  # most columns: no category is a total word, nothing to index
                codes = column.cat.codes.to_numpy()
                hit |= np.append(words, False)[codes]  # code −1 (missing) takes the appended False
        elif column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            hit |= _is_total(column.astype("string"))
    if not hit.any():
        return raw, [], encoded
    rows = tuple(raw.index[hit])
    notice = Problem("data.total_row_dropped", rows=rows[:5], n_rows=len(rows))
    kept = pa_arrow.array(~hit)
    return raw[~hit], [notice], {c: e.filter(kept) for c, e in encoded.items()}


def _is_total(text: pd.Series) -> np.ndarray:
    return np.asarray(pc.fill_null(_per_distinct(_arrow(text), _is_total_values), False), dtype=bool)


def _is_total_values(arr: pa_arrow.Array) -> pa_arrow.Array:
    """True where a text is a total word (padding and case aside): a hash lookup, not a regex.

    >>> _is_total_values(pa_arrow.array([" TOTAL：", "Subtotal", "合计科技", None])).to_pylist()
    [True, True, False, False]
    """
    bare = pc.utf8_trim(arr, characters=TOTAL_PADDING)
    return pc.is_in(bare, value_set=pa_arrow.array(_total_spellings(), type=pa_arrow.large_string()))


# Characters outside ASCII whose lower case is an ASCII letter (the Kelvin sign K is k).
LOWER_TO_ASCII = {"k": ("\u212a",), "i": ("\u0130",)}


@functools.cache
def _total_spellings() -> tuple[str, ...]:
    """Every text whose lower case is one of :data:`TOTAL_WORDS` (Total, TOTAL, ToTaL …).

    Looking the cells up among these ~1,400 spellings spares lower-casing every cell first,
    which costs more than the lookup on a column of half a million names.

    >>> spellings = _total_spellings()
    >>> "SubTotal" in spellings, "合计" in spellings, all(s.lower() in TOTAL_WORDS for s in spellings)
    (True, True, True)
    """

    def forms(ch: str) -> tuple[str, ...]:
        return (ch, ch.upper(), *LOWER_TO_ASCII.get(ch, ())) if ch.isascii() and ch.isalpha() else (ch,)

    return tuple(sorted({"".join(p) for w in TOTAL_WORDS for p in itertools.product(*map(forms, w))}))


def _encode_repeated(raw: pd.DataFrame) -> dict[int, pa_arrow.DictionaryArray]:
    """Text columns that repeat a few values (industry, region, size), by position, as their
    distinct values and each row's position among them.

    The total-row search, the cleaning and the category lookup then each work on the few distinct
    values, and the rows are filled in once at the end, instead of every step hashing half a
    million cells again. Columns of mostly distinct values (names, ids) are left as they are.

    >>> enc = _encode_repeated(pd.DataFrame({"a": ["x", "y", "x"], "b": [1, 2, 3]}))
    >>> list(enc), enc[0].dictionary.to_pylist()
    ([0], ['x', 'y'])
    """
    encoded = {}
    for c in range(raw.shape[1]):
        column = raw.iloc[:, c]
        if isinstance(column.dtype, pd.StringDtype):
            arr = _arrow(column)
            if _repeats(arr):
                encoded[c] = pc.dictionary_encode(arr)
    return encoded


# ---------------------------------------------------------------- values


def _coerce(
    frame: pd.DataFrame,
    spec: TableSpec,
    latest: pd.Timestamp | None = None,
    encoded: Mapping[str, pa_arrow.DictionaryArray] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert every column to its kind; cells that cannot be converted become problems.

    ``latest``: the last date a date column may hold (today, or the explicit ``as_of``).
    ``encoded``: columns also given as distinct values (:func:`_encode_repeated`), by name.
    """
    encoded = encoded or {}
    headers = frame.attrs.get("headers", {})
    scale = frame.attrs.get("scale", {})
    out = {}
    unreadable = {}
    problems: list[Problem] = []
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        raw = frame[col.name]
        where = headers.get(col.name, col.name)
        if col.name in encoded and col.kind in ("text", "category"):
            values, bad, special = _convert_encoded(encoded[col.name], raw.index, col)
        else:
            values, bad, special = _convert(raw, col)
        for key, mask in special.items():
            if mask.any():
                rows = tuple(raw.index[mask])
                shown = ", ".join(f"'{v}'" for v in raw[mask].astype(str).drop_duplicates().head(3))
                problems.append(
                    Problem(key, column=where, rows=rows[:5], n_rows=len(rows), params={"values": shown})
                )
                bad = bad & ~mask
        if col.name in scale:
            values = values * scale[col.name]
        if col.kind == "date" and latest is not None:
            future = values > latest
            if future.any():
                rows = tuple(raw.index[future])
                shown = ", ".join(d.strftime("%Y-%m-%d") for d in values[future].drop_duplicates().head(3))
                problems.append(
                    Problem(
                        "data.future_date",
                        column=where,
                        rows=rows[:5],
                        n_rows=len(rows),
                        params={"values": shown, "latest": latest.strftime("%Y-%m-%d")},
                    )
                )
        out[col.name] = values
        if bad.any():
            problems.append(_cell_problem(raw, bad, col, headers))
        flagged = bad
        for mask in special.values():
            flagged = flagged | mask
        if flagged.any():
            unreadable[col.name] = set(frame.index[flagged])
    typed = pd.DataFrame(out, index=frame.index, copy=False)  # columns are new already
    typed.attrs["headers"] = headers
    typed.attrs["unreadable"] = unreadable
    return typed, problems


def _convert(series: pd.Series, col: Col) -> tuple[pd.Series, pd.Series, dict[str, pd.Series]]:
    """(converted values, mask of cells given but unreadable, {message key: mask} of cells that
    are unreadable for a reason worth its own message: Excel errors, decimal commas)."""
    none = {}
    if (
        col.kind in ("int", "float")
        and pd.api.types.is_numeric_dtype(series.dtype)
        and not pd.api.types.is_bool_dtype(series.dtype)
    ):
        values = series if series.dtype == "float64" else series.astype("float64")
        bad = pd.Series(False, index=series.index)
        if col.kind == "int" and series.dtype == "int64":
            return series, bad, none
        if col.kind == "int":
            bad = values.notna() & (values % 1 != 0)
            values = values.where(~bad)
        return _finish_numeric(values, col), bad, none
    if (
        (col.kind == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype))
        or (col.kind == "bool" and pd.api.types.is_bool_dtype(series.dtype))
        or (col.kind in ("id", "text") and pd.api.types.is_integer_dtype(series.dtype))
    ):
        return series, pd.Series(False, index=series.index), none  # already typed: nothing to read
    if col.kind == "date" and pd.api.types.is_numeric_dtype(series.dtype):
        series = _yyyymmdd_text(series)
    # Names and other text keep what the user wrote (full-width brackets too); ids, numbers,
    # dates and codes are read from the NFKC-folded text: they are matched, not shown.
    text = _clean_text(series, fold=col.kind != "text" or col.name == "customer_id")
    missing = text.isna()
    special = {"data.excel_error": _excel_errors(text)}
    if col.kind in ("int", "float"):
        values, comma = _parse_number(text)
        special["data.decimal_comma"] = comma
        bad = ~missing & values.isna()
        if col.kind == "int":
            fractional = values.notna() & (values % 1 != 0)
            bad |= fractional
            values = values.where(~fractional)
        return _finish_numeric(values, col), bad, special
    if col.kind == "date":
        values = _parse_date(text)
        return values, ~missing & values.isna(), special
    if col.kind == "bool":
        lowered = _fold(text)
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(TRUE_TOKENS)] = True
        values[lowered.isin(FALSE_TOKENS)] = False
        return values, ~missing & values.isna(), special
    if col.kind == "category":
        values = _strings(_category_codes(_arrow(_fold(text)), col), text.index)
        return values, ~missing & values.isna(), special
    return text, pd.Series(False, index=text.index), special


def _per_row(
    per_value: pa_arrow.Array, encoded: pa_arrow.DictionaryArray, missing: bool | None = None
) -> pa_arrow.Array:
    """A result per distinct value spread to the rows; a missing cell gets ``missing`` (else null).

    >>> _per_row(pa_arrow.array([True, False]), pc.dictionary_encode(pa_arrow.array(["a", None, "b"])),
    ...          missing=True).to_pylist()
    [True, True, False]
    """
    spread = pc.take(per_value, encoded.indices)
    return spread if missing is None else pc.fill_null(spread, missing)


def _category_codes(folded: pa_arrow.Array, col: Col) -> pa_arrow.Array:
    """Each folded text's category code (``大型`` → ``large``), null where it is none of them."""
    lookup = {_norm_header(s): code for code, names in col.allowed.items() for s in (code, *names)}
    # Arrow's dictionary lookup: the position of each folded value among the spellings.
    where = pc.index_in(folded, value_set=pa_arrow.array(list(lookup)))
    return pc.take(pa_arrow.array(list(lookup.values()), type=pa_arrow.large_string()), where)


def _convert_encoded(
    encoded: pa_arrow.DictionaryArray, index: pd.Index, col: Col
) -> tuple[pd.Series, pd.Series, dict[str, pd.Series]]:
    """:func:`_convert` for a text or category column given as distinct values and each row's
    position among them (:func:`_encode_repeated`): each distinct text is cleaned, looked up
    and checked once, and the rows are filled in at the end. Same results as :func:`_convert`.

    >>> size = CUSTOMERS.by_name()["company_size"]
    >>> values, bad, _ = _convert_encoded(pc.dictionary_encode(pa_arrow.array(["大型", " 小 ", "huge"])),
    ...                                   pd.RangeIndex(3), size)
    >>> values.tolist(), bad.tolist()
    (['large', 'small', <NA>], [False, False, True])
    """
    distinct = pc.cast(encoded.dictionary, pa_arrow.large_string())
    cleaned = _clean_values(distinct, fold=col.kind != "text" or col.name == "customer_id")
    errors = pc.is_in(cleaned, value_set=pa_arrow.array(XLSX_ERRORS, type=pa_arrow.large_string()))
    error_rows = np.asarray(_per_row(errors, encoded, missing=False), dtype=bool)
    special = {"data.excel_error": pd.Series(error_rows, index=index)}
    if col.kind == "text":
        return _strings(_per_row(cleaned, encoded), index), pd.Series(False, index=index), special
    # Which cells hold a value, from a spread of booleans: cheaper than spreading the texts.
    given = ~np.asarray(_per_row(pc.is_null(cleaned), encoded, missing=True), dtype=bool)
    values = _strings(_per_row(_category_codes(_fold_values(cleaned), col), encoded), index)
    return values, values.isna() & given, special


YYYYMMDD_RANGE = (19000101, 21001231)  # whole numbers read as yyyymmdd dates (CDNOW's 19970101)


def _yyyymmdd_text(numbers: pd.Series) -> pd.Series:
    """A numeric date column as its digits when every value given is a whole number within
    :data:`YYYYMMDD_RANGE` (a float column, as pandas reads one with gaps, loses its ``.0``);
    unchanged otherwise, so other numbers are refused as dates with the values shown.

    >>> _yyyymmdd_text(pd.Series([19970101.0, None])).tolist()
    ['19970101', <NA>]
    """
    given = numbers.dropna()
    low, high = YYYYMMDD_RANGE
    if pd.api.types.is_bool_dtype(numbers.dtype) or not (given.between(low, high) & (given % 1 == 0)).all():
        return numbers
    return numbers.astype("Int64").astype("string")


def _excel_errors(text: pd.Series) -> pd.Series:
    """Cells holding an Excel error value (#DIV/0!, #VALUE!, …); for a categorical column only
    its categories are looked at."""
    if isinstance(text.dtype, pd.CategoricalDtype):
        found = np.asarray(text.cat.categories.isin(XLSX_ERRORS))
        if not found.any():
            return pd.Series(False, index=text.index)
        return pd.Series(np.append(found, False)[text.cat.codes.to_numpy()], index=text.index)
    return text.isin(XLSX_ERRORS).fillna(False).astype(bool)


def _finish_numeric(values: pd.Series, col: Col) -> pd.Series:
    if col.kind == "int" and not col.nullable and values.notna().all():
        return values.astype("int64")
    return values.astype("Int64") if col.kind == "int" else values.astype("float64")


def _clean_text(series: pd.Series, fold: bool = True) -> pd.Series:
    """Strings stripped, NA tokens missing; with ``fold`` also NFKC-folded (full-width digits →
    ASCII) for reading numbers, dates and codes. Names and ids are not folded: an export must
    give back "上海振华重工（集团）有限公司" as the user wrote it.

    Keeps a categorical column categorical (only its categories are cleaned). The work is
    done by Arrow compute kernels over the whole column, not per string in Python.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        cleaned = _clean_text(categories.to_series(), fold)
        if _unchanged(cleaned, categories):
            # Nothing to clean (the usual case): the categories are distinct already, and checking
            # and renaming half a million of them again would cost a quarter of a second.
            return series
        if cleaned.is_unique and cleaned.notna().all():
            # pd.Index keeps the string dtype (to_numpy would not): joins on the ids stay fast
            return series.cat.rename_categories(pd.Index(cleaned.array))
        series = series.astype("object")
    if not isinstance(series.dtype, pd.StringDtype):
        series = series.astype("string")  # numbers or mixed objects become their text
    return _strings(_per_distinct(_arrow(series), lambda arr: _clean_values(arr, fold)), series.index)


def _clean_values(arr: pa_arrow.Array, fold: bool = True) -> pa_arrow.Array:
    """Each text stripped, NA tokens null, NFKC-folded with ``fold`` (:func:`_clean_text`).

    >>> _clean_values(pa_arrow.array([" Ｃ1 ", "n/a", None])).to_pylist()
    ['C1', None, None]
    """
    if fold:
        arr = pc.utf8_normalize(arr, form="NFKC")
    arr = pc.utf8_trim_whitespace(arr)
    # Only short cells can be NA tokens: the longer ones (most names) skip the NFKC pass.
    short = pc.less_equal(pc.utf8_length(arr), max(map(len, NA_TOKENS)))
    probe = arr if fold else pc.utf8_normalize(pc.if_else(short, arr, None), form="NFKC")
    is_na = pc.fill_null(pc.is_in(pc.utf8_lower(probe), value_set=pa_arrow.array(NA_TOKENS)), False)
    return pc.if_else(is_na, pa_arrow.scalar(None, arr.type), arr)


def _unchanged(cleaned: pd.Series, categories: pd.Index) -> bool:
    """True when ``cleaned`` holds exactly ``categories``, in the same dtype, none missing.

    >>> cats = pd.Index(["a", "b"], dtype="string[pyarrow]")
    >>> _unchanged(_clean_text(cats.to_series()), cats), _unchanged(_clean_text(cats.to_series()), cats[::-1])
    (True, False)
    """
    if cleaned.dtype != categories.dtype or cleaned.hasnans:
        return False
    return _arrow(cleaned).equals(_arrow(categories.to_series()))


def _per_distinct(arr: pa_arrow.Array, kernel: Callable[[pa_arrow.Array], pa_arrow.Array]) -> pa_arrow.Array:
    """``kernel`` (Arrow string functions, value by value) run once per distinct value, then spread
    back to every row: exports repeat an industry or a region thousands of times, and hashing a
    value is cheaper than normalising or matching it. Missing cells stay missing.

    >>> _per_distinct(pa_arrow.array(["a", "b", "a", None]), pc.utf8_upper).to_pylist()
    ['A', 'B', 'A', None]
    """
    if not _repeats(arr):
        return kernel(arr)  # ids and names are mostly distinct: encoding them would be extra work
    encoded = pc.dictionary_encode(arr)
    return _per_row(kernel(encoded.dictionary), encoded)


def _repeats(arr: pa_arrow.Array) -> bool:
    """True unless most of the first 1,000 values differ (ids, names): worth encoding.

    >>> _repeats(pa_arrow.array(["a", "b"] * 1000)), _repeats(pa_arrow.array([str(i) for i in range(2000)]))
    (True, False)
    """
    head = arr.slice(0, 1000)
    return len(arr) <= len(head) or pc.count_distinct(head).as_py() <= len(head) // 2


def _arrow(text: pd.Series) -> pa_arrow.Array:
    """A text column as one Arrow array (large strings).

    A column built by appending rows or concatenating frames is held by pandas in pieces; it
    is joined here, since the dictionary and lookup steps need one array.

    >>> type(_arrow(pd.concat([pd.Series(["a"], dtype="string"), pd.Series(["b"], dtype="string")])))
    <class 'pyarrow.lib.LargeStringArray'>
    """
    arr = pa_arrow.array(text, from_pandas=True)
    if isinstance(arr, pa_arrow.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa_arrow.large_string())


def _strings(arr: pa_arrow.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(arr, dtype=pd.StringDtype("pyarrow")), index=index)


def _regex(arr: pa_arrow.Array, pattern: str, replacement: str = "") -> pa_arrow.Array:
    return pc.replace_substring_regex(arr, pattern=pattern, replacement=replacement)


# Units after a number: 1.2万, 29.7万元, 3亿, 5千元, 12k. 元 alone is just the currency.
CELL_UNITS = {"万": 1e4, "亿": 1e8, "千": 1e3, "k": 1e3}
THOUSANDS = r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$"  # 1,234,567.89: the only comma a number may hold


def _parse_number(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers as people write them: ``¥1,234.50``, ``12,000元``, ``1.2万``, ``29.7万元``, ``3亿``, ``12k``.

    Returns (values, mask of cells with a decimal comma such as ``27874,83``): a comma is read
    only as a thousands separator in groups of three; anything else is refused, never guessed.
    """
    plain = pc.match_substring_regex(_arrow(text), r"^[+-]?\d*\.?\d+$")
    if pc.all(pc.or_kleene(plain, pc.is_null(plain))).as_py():  # plain numbers: one pass, no units
        return pd.to_numeric(text, errors="coerce").astype("float64"), pd.Series(False, index=text.index)
    arr = pc.utf8_lower(_arrow(text))
    arr = _regex(arr, r"[¥$￥\s]|^(rmb|cny)|(rmb|cny)$")
    arr = _regex(arr, r"元$")
    scale = np.ones(len(text))
    for unit, factor in CELL_UNITS.items():
        scale = np.where(pc.fill_null(pc.ends_with(arr, unit), False), factor, scale)
    arr = _regex(arr, r"[万亿千k]$")
    has_comma = pc.fill_null(pc.match_substring(arr, ","), False)
    grouped = pc.fill_null(pc.match_substring_regex(arr, THOUSANDS), False)
    comma = pd.Series(np.asarray(pc.and_(has_comma, pc.invert(grouped))), index=text.index)
    digits = _strings(pc.replace_substring(arr, ",", ""), text.index)
    values = pd.to_numeric(digits, errors="coerce").astype("float64")
    # 4.06万 is 40600, not 40599.999…: round the scaled value to the precision written (≤ 8 places).
    values = values.where(scale == 1, (values * scale).round(8))
    return values.where(~comma), comma


def _parse_date(text: pd.Series) -> pd.Series:
    """Dates as ``2026-01-05``, ``2026/1/5``, ``2026.1.5``, ``2026年1月5日``, ``20260105`` (time ignored).

    Impossible dates such as 2026-02-30 are refused, not rolled over.
    """
    arr = _regex(_regex(_arrow(text), r"\s.*$"), "日")
    arr = _regex(arr, r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3")
    arr = _regex(arr, r"[年月/.]", "-")
    for _ in range(2):  # month, then day: matches cannot overlap, so pad one part per pass
        arr = _regex(arr, r"-(\d)(-|$)", r"-0\1\2")
    return pd.to_datetime(_strings(arr, text.index), format="%Y-%m-%d", errors="coerce")


def _cell_problem(raw: pd.Series, bad: pd.Series, col: Col, headers: dict) -> Problem:
    rows = tuple(raw.index[bad])
    shown = ", ".join(f"'{v}'" for v in raw[bad].astype(str).head(3))
    key = {
        "int": "data.not_integer",
        "float": "data.not_number",
        "date": "data.not_date",
        "bool": "data.not_bool",
        "category": "data.not_allowed",
    }[col.kind]
    params = {"values": shown}
    if col.kind == "category":
        params["allowed"] = " / ".join(
            f"{code}（{'、'.join(s[:1])}）" if s else code for code, s in col.allowed.items()
        )
    where = headers.get(col.name, col.name)
    return Problem(key, column=where, rows=rows[:5], n_rows=len(rows), params=params)


# ---------------------------------------------------------------- rules (pandera)


def _schema(spec: TableSpec, present: Iterable[str]) -> pa.DataFrameSchema:
    present = set(present)
    columns = {}
    for col in spec.columns:
        if col.name not in present:
            continue
        checks = []
        if col.low is not None or col.high is not None:
            low = -np.inf if col.low is None else col.low
            high = np.inf if col.high is None else col.high
            checks.append(pa.Check(lambda s, lo=low, hi=high: s.between(lo, hi), name="data.out_of_range"))
        if col.kind == "id":
            checks.append(pa.Check(_not_duplicated, name="data.duplicate_ids"))
        columns[col.name] = pa.Column(checks=checks, nullable=col.nullable, required=False, coerce=False)
    frame_checks = [pa.Check(c.test, name=c.key) for c in spec.checks if present.issuperset(c.needs)]
    return pa.DataFrameSchema(columns, checks=frame_checks)


def _not_duplicated(ids: pd.Series) -> pd.Series:
    """True where an id occurs once; every copy of a repeated id is False, so all its rows are named."""
    if strictly_increasing(ids):  # sorted exports: unique without hashing
        return pd.Series(True, index=ids.index)
    if (
        isinstance(ids.dtype, pd.StringDtype)
        and ids.notna().all()
        and pc.count_distinct(_arrow(ids)).as_py() == len(ids)
    ):  # Arrow's hash count: the usual case
        return pd.Series(True, index=ids.index)
    return ~ids.duplicated(keep=False)


def _validate(frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    if _passes(frame, spec):
        return []  # pandera would find nothing: it runs only where there is something to report
    try:
        # inplace: the frame is ours already; pandera would otherwise copy millions of rows.
        _schema(spec, frame.columns).validate(frame, lazy=True, inplace=True)
    except SchemaErrors as errors:
        return _problems_from(errors.failure_cases, frame, spec)
    return []


def _passes(frame: pd.DataFrame, spec: TableSpec) -> bool:
    """True when the table surely passes every rule of :func:`_schema`: one NumPy pass per rule.

    pandera copies each column and builds failure tables even for a valid file, which costs
    about 0.3 s on ten million rows. This answers False whenever a rule might fail (or cannot be
    judged), and pandera then names the rows and values exactly as before.

    >>> typed = pd.DataFrame({"satisfaction": [1, 5], "customer_id": ["C1", "C2"]})
    >>> _passes(typed, CUSTOMERS), _passes(typed.assign(satisfaction=[1, 6]), CUSTOMERS)
    (True, False)
    """
    try:
        columns = all(_column_passes(frame[c.name], c) for c in spec.columns if c.name in frame.columns)
        return columns and all(
            _rule_passes(frame, check) for check in spec.checks if set(frame.columns).issuperset(check.needs)
        )
    except Exception:  # whatever a rule raises, pandera reports it as a failed check
        return False


def _column_passes(values: pd.Series, col: Col) -> bool:
    """No missing cell where none may be, every number within ``low``–``high`` (missing cells
    are not range-checked, as pandera's ``ignore_na``), no repeated id."""
    missing = values.isna().to_numpy()
    if not col.nullable and missing.any():
        return False
    if col.low is not None or col.high is not None:
        if not pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
            return False
        number = values.to_numpy(dtype="float64", na_value=np.nan)
        low = -np.inf if col.low is None else col.low
        high = np.inf if col.high is None else col.high
        if not (((number >= low) & (number <= high)) | missing).all():
            return False
    return col.kind != "id" or bool(_not_duplicated(values).all())


def _rule_passes(frame: pd.DataFrame, check: RowCheck) -> bool:
    """The row rule holds on every row (a plain bool result only: anything else goes to pandera)."""
    ok = check.test(frame)
    return isinstance(ok, pd.Series) and ok.dtype == bool and ok.index.equals(frame.index) and bool(ok.all())


def _problems_from(cases: pd.DataFrame, frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    headers = frame.attrs.get("headers", {})
    unreadable = frame.attrs.get("unreadable", {})
    cols = spec.by_name()
    checks = {c.key: c for c in spec.checks}
    problems = []
    # A frame-wide check reports each failing row once per column; report it under its first column.
    frame_check = cases["check"].isin(list(checks))
    column = cases["column"].astype(object)
    column[frame_check] = [checks[k].needs[0] for k in cases.loc[frame_check, "check"]]
    cases = cases.assign(column=column)
    for (check, column), group in cases.groupby(["check", "column"], sort=False, dropna=False):
        rows = tuple(dict.fromkeys(group["index"].dropna().astype(int)))
        if check == "not_nullable":
            # Cells already reported as unreadable are NA now; they are not also "missing".
            rows = tuple(r for r in rows if r not in unreadable.get(column, ()))
            if not rows:
                continue
        col = cols.get(column)
        where = headers.get(column, column)
        values = ", ".join(str(_plain(v)) for v in group["failure_case"].drop_duplicates().head(3))
        if check == "not_nullable":
            problems.append(Problem("data.missing_values", column=where, rows=rows[:5], n_rows=len(rows)))
        elif check == "data.duplicate_ids":
            problems.append(
                Problem(
                    "data.duplicate_ids",
                    column=where,
                    rows=rows[:5],
                    n_rows=len(rows),
                    params={"values": values},
                )
            )
        elif check == "data.out_of_range":
            problems.append(
                Problem(
                    check,
                    column=where,
                    rows=rows[:5],
                    n_rows=len(rows),
                    params={"values": values, "range": _range_text(col)},
                )
            )
        else:
            problems.append(Problem(check, column=where, rows=rows[:5], n_rows=len(rows)))
    return problems


def _plain(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _range_text(col: Col) -> str:
    if col.high is None:
        return f"≥ {_plain(float(col.low))}"
    return f"{_plain(float(col.low))}–{_plain(float(col.high))}"


def _merge(problems: list[Problem], headers: list[str]) -> list[Problem]:
    """Problems sorted by the column's position in the file (file-level problems first)."""
    position = {h: i for i, h in enumerate(headers)}
    return sorted(problems, key=lambda p: position.get(p.column, -1))


def _check_known_customers(frame: pd.DataFrame, customers: pd.DataFrame, label: str) -> None:
    # Compared folded (Ｃ001 is C001), kept as written.
    known = _fold(customers["customer_id"].astype("string"))
    unknown = ~_fold(frame["customer_id"].astype("string")).isin(known)
    if unknown.any():
        ids = ", ".join(frame.loc[unknown, "customer_id"].drop_duplicates().head(3).astype(str))
        rows = tuple(frame.index[unknown])
        where = frame.attrs.get("headers", {}).get("customer_id", "customer_id")
        raise WorkbookInputError(
            label,
            [
                Problem(
                    "data.unknown_customers",
                    column=where,
                    rows=rows[:5],
                    n_rows=len(rows),
                    params={"values": ids},
                )
            ],
        )
