"""Load and validate the workbook's tables: customers, transactions, NPS survey, SERVQUAL.

Each ``load_*`` function takes a file path, an uploaded file (bytes or a binary
file object plus its ``name``) or a DataFrame, and returns a new DataFrame with the
canonical English columns of the data dictionary (``datasets/README.md``), proper
dtypes and a fresh ``RangeIndex``. It accepts what Chinese offices really export:

* CSV in UTF-8, UTF-8 with BOM, GBK/GB18030 (Excel "CSV"), UTF-16 tab-separated text
  (Excel "Unicode text"), and ``.xlsx`` workbooks, whose header row is found even
  below merged title rows and on another sheet;
* Chinese or English column names (``满意度`` or ``satisfaction``), full-width
  digits, money such as ``¥1,234.50`` or ``1.2万``, dates such as ``2026年1月5日``.

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

import difflib
import io
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from workbook.errors import Problem, WorkbookInputError, fail

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
    name: str
    columns: tuple[Col, ...]
    checks: tuple[RowCheck, ...] = ()

    def by_name(self) -> dict[str, Col]:
        return {c.name: c for c in self.columns}


def _count(name, zh, **kw):
    return Col(name, zh, "int", low=0, **kw)


def _money(name, zh, **kw):
    return Col(name, zh, "float", **kw)


CUSTOMERS = TableSpec(
    "customers",
    (
        Col("customer_id", "客户编号", "id", aliases=("客户id", "客户代码", "id")),
        Col("name", "客户名称", "text", aliases=("公司名称", "客户名")),
        Col("industry", "行业", "text", required=False, nullable=True),
        Col("region", "区域", "text", required=False, nullable=True, aliases=("地区",)),
        Col("company_size", "企业规模", "category", required=False,
            allowed={"large": ("大型", "大"), "medium": ("中型", "中"), "small": ("小型", "小")}),
        Col("customer_group", "客户群", "category", required=False, aliases=("客户群组",),
            allowed={"standard": ("标准型",), "technical": ("技术型",), "strategic": ("战略型",)}),
        Col("dealer_class", "经销商等级", "category", required=False, nullable=True,
            allowed={"A": ("a", "A类"), "B": ("b", "B类"), "C": ("c", "C类")}),
        Col("member", "会员", "bool", required=False, aliases=("是否会员",)),
        Col("first_purchase_date", "首次购买日期", "date", nullable=True),
        Col("last_purchase_date", "最近购买日期", "date", nullable=True),
        _count("orders_12m", "近12月订单数"),
        _money("revenue_12m", "近12月销售额", low=0),
        _money("gross_profit_12m", "近12月毛利"),
        _money("purchase_potential", "购买潜力", required=False, low=0),
        Col("satisfaction", "满意度", "int", low=1, high=5),
        Col("recommend_score", "推荐意愿", "int", low=0, high=10),
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
        RowCheck("data.last_before_first", ("last_purchase_date", "first_purchase_date"),
                 lambda f: ~(f["last_purchase_date"] < f["first_purchase_date"])),
        RowCheck("data.profit_above_revenue", ("gross_profit_12m", "revenue_12m"),
                 lambda f: ~(f["gross_profit_12m"] > f["revenue_12m"] + 0.005)),
    ),
)

TRANSACTIONS = TableSpec(
    "transactions",
    (
        Col("order_id", "订单号", "id", aliases=("订单编号",)),
        Col("customer_id", "客户编号", "text", aliases=("客户id", "客户代码")),
        Col("order_date", "订单日期", "date", aliases=("日期", "下单日期")),
        _money("amount", "金额", aliases=("订单金额", "销售额")),
        _money("gross_profit", "毛利"),
        Col("product_line", "产品线", "text", required=False, nullable=True),
    ),
    (
        RowCheck("data.amount_not_positive", ("amount",), lambda f: f["amount"] > 0),
        RowCheck("data.profit_above_amount", ("gross_profit", "amount"),
                 lambda f: ~(f["gross_profit"] > f["amount"] + 0.005)),
    ),
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
    cols += [Col(f"imp_{dim}", f"重要性_{zh}", "float", required=False, low=0, high=100)
             for dim, zh in SERVQUAL_DIMENSIONS.items()]
    sums_to_100 = RowCheck("data.importance_not_100", tuple(imp),
                           lambda f: ((f[imp].sum(axis=1) - 100).abs() <= 0.5) | f[imp].isna().all(axis=1))
    return TableSpec("servqual", tuple(cols), (sums_to_100,))


SERVQUAL = _servqual_spec()
TABLES = {spec.name: spec for spec in (CUSTOMERS, TRANSACTIONS, NPS_SURVEY, SERVQUAL)}

Source = str | Path | bytes | BinaryIO | pd.DataFrame


# ---------------------------------------------------------------- public loaders


def load_customers(source: Source, *, name: str | None = None) -> pd.DataFrame:
    """Customer snapshot (one row per customer), validated; see ``datasets/README.md``.

    >>> load_customers(DATASETS_DIR / "customers.csv").shape[1]
    29
    """
    return load_table(source, CUSTOMERS, name=name)


def load_transactions(
    source: Source, *, name: str | None = None, customers: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Orders (one row per order). With ``customers``, every ``customer_id`` must be one of theirs."""
    frame = _load(source, TRANSACTIONS, name)
    if customers is not None:
        _check_known_customers(frame, customers, name or _source_name(source))
    return frame.reset_index(drop=True)


def load_nps_survey(source: Source, *, name: str | None = None) -> pd.DataFrame:
    """NPS / CSAT / CES survey answers (one row per response)."""
    return load_table(source, NPS_SURVEY, name=name)


def load_servqual(source: Source, *, name: str | None = None) -> pd.DataFrame:
    """SERVQUAL answers, wide: ``exp_<dimension>_<k>``, ``per_<dimension>_<k>``, ``imp_<dimension>``."""
    return load_table(source, SERVQUAL, name=name)


def load_table(source: Source, spec: TableSpec | str, *, name: str | None = None) -> pd.DataFrame:
    """Read ``source`` as the table ``spec`` (a :data:`TABLES` key or a :class:`TableSpec`).

    Raises :class:`WorkbookInputError` listing every problem found.
    """
    return _load(source, spec, name).reset_index(drop=True)


def _load(source: Source, spec: TableSpec | str, name: str | None) -> pd.DataFrame:
    """Like :func:`load_table` but the index still holds the rows as the user numbers them."""
    spec = TABLES[spec] if isinstance(spec, str) else spec
    label = name or _source_name(source)
    raw = source.copy() if isinstance(source, pd.DataFrame) else read_raw(source, spec, label)
    renamed = _map_columns(raw, spec, label)
    typed, problems = _coerce(renamed, spec)
    problems += _validate(typed, spec)
    if problems:
        raise WorkbookInputError(label, _merge(problems, list(typed.attrs["headers"].values())))
    return typed


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


def _read_bytes(source: Source, label: str) -> bytes:
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise fail(label, "data.file_not_found", path=str(path))
        _check_size(path.stat().st_size, label)
        blob = path.read_bytes()
    else:
        blob = source if isinstance(source, bytes) else source.read(MAX_BYTES + 1)
        _check_size(len(blob), label)
    if not blob.strip():
        raise fail(label, "data.empty_file")
    return blob


def _check_size(size: int, label: str) -> None:
    if size > MAX_BYTES:
        raise fail(label, "data.file_too_large", size_mb=size / 2**20, max_mb=MAX_BYTES / 2**20)


def read_raw(source: Source, spec: TableSpec, label: str) -> pd.DataFrame:
    """The file's cells as strings with the header applied; the index holds spreadsheet row numbers."""
    blob = _read_bytes(source, label)
    if blob.startswith(b"PK\x03\x04"):
        return _read_xlsx(blob, spec, label)
    if blob.startswith(b"\xd0\xcf\x11\xe0"):
        raise fail(label, "data.old_excel")
    return _read_text(_decode(blob, label), spec, label)


def _decode(blob: bytes, label: str) -> str:
    if blob.startswith((b"\xff\xfe", b"\xfe\xff")):
        return blob.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return blob.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise fail(label, "data.unknown_encoding")


SEPARATORS = {",": "comma", "\t": "tab"}
WRONG_SEPARATORS = {";": "；", "，": "，", "|": "|", "、": "、"}


def _read_text(text: str, spec: TableSpec, label: str) -> pd.DataFrame:
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise fail(label, "data.empty_file")
    header = lines[first]
    sep = max(SEPARATORS, key=header.count)
    if header.count(sep) == 0:
        wrong = max(WRONG_SEPARATORS, key=header.count)
        if header.count(wrong):
            raise fail(label, "data.wrong_separator", separator=wrong)
    try:
        with warnings.catch_warnings():
            # index_col=False stops pandas from silently taking a too-long first row's extra
            # field as an index; it warns instead, and that warning is our error.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                                skip_blank_lines=False, skiprows=first, index_col=False)
    except pd.errors.ParserWarning:
        line = next(i for i in range(first + 1, len(lines)) if lines[i].strip())
        raise fail(label, "data.ragged_row", rows=(line + 1,), expected=header.count(sep) + 1,
                   seen=lines[line].count(sep) + 1) from None
    except pd.errors.ParserError as exc:
        raise _ragged_error(exc, label, first) from None
    # Spreadsheet row numbers: the header sits on line first+1, data from the next line.
    frame.index = pd.RangeIndex(first + 2, first + 2 + len(frame))
    frame = frame[frame.ne("").any(axis=1)]
    if frame.empty:
        raise fail(label, "data.no_rows")
    return frame


def _ragged_error(exc: Exception, label: str, offset: int) -> WorkbookInputError:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
    if not match:
        return fail(label, "data.unreadable_csv")
    expected, line, seen = (int(g) for g in match.groups())
    return fail(label, "data.ragged_row", rows=(line + offset,), expected=expected, seen=seen)


def _read_xlsx(blob: bytes, spec: TableSpec, label: str) -> pd.DataFrame:
    try:
        sheets = pd.read_excel(io.BytesIO(blob), sheet_name=None, header=None, dtype=object)
    except Exception:  # openpyxl raises many types for damaged files; all mean the same to a user
        raise fail(label, "data.unreadable_excel") from None
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
    frame = cells.iloc[row + 1:].copy()
    frame.columns = [_cell_text(v) for v in cells.iloc[row]]
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    frame = frame.map(_cell_text)
    frame.index = frame.index + 1  # iloc position → Excel row number
    frame = frame[frame.ne("").any(axis=1)]
    if frame.empty:
        raise fail(f"{label} [{sheet_name}]", "data.no_rows")
    return frame


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


def _fold(text: pd.Series) -> pd.Series:
    """:func:`_norm_header` for a whole (already NFKC-cleaned) column at once, in Arrow kernels."""
    folded = _regex(_regex(pc.utf8_lower(_arrow(text)), r"\(.*?\)$"), r"[\s_\-./]")
    return _strings(folded, text.index)


def _alias_index(spec: TableSpec) -> dict[str, str]:
    return {_norm_header(s): col.name for col in spec.columns for s in col.spellings()}


def _header_hits(row: pd.Series, spec: TableSpec) -> int:
    index = _alias_index(spec)
    return len({index[_norm_header(v)] for v in row if isinstance(v, str) and _norm_header(v) in index})


def _map_columns(raw: pd.DataFrame, spec: TableSpec, label: str) -> pd.DataFrame:
    index = _alias_index(spec)
    mapping: dict[str, str] = {}
    problems = []
    for header in raw.columns:
        canonical = index.get(_norm_header(header))
        if canonical is None:
            continue
        if canonical in mapping.values():
            first = next(h for h, c in mapping.items() if c == canonical)
            problems.append(Problem("data.duplicate_column", column=str(header), params={"other": first}))
            continue
        mapping[header] = canonical
    unknown = [str(h) for h in raw.columns if h not in mapping]
    for col in spec.columns:
        if col.required and col.name not in mapping.values():
            problems.append(_missing_column(col, unknown))
    if problems:
        raise WorkbookInputError(label, problems)
    # Keep the user's header text for messages: canonical name → what the file called it.
    frame = raw[list(mapping)].rename(columns=mapping)
    frame.attrs["headers"] = {c: str(h) for h, c in mapping.items()}
    return frame


def _missing_column(col: Col, unknown: list[str]) -> Problem:
    folded = {_norm_header(u): u for u in unknown}
    close = difflib.get_close_matches(_norm_header(col.name), list(folded), n=1, cutoff=0.75) or \
        difflib.get_close_matches(_norm_header(col.zh), list(folded), n=1, cutoff=0.6)
    if close:
        return Problem("data.missing_column_suggest", column=col.display, params={"found": folded[close[0]]})
    return Problem("data.missing_column", column=col.display)


# ---------------------------------------------------------------- values


def _coerce(frame: pd.DataFrame, spec: TableSpec) -> tuple[pd.DataFrame, list[Problem]]:
    """Convert every column to its kind; cells that cannot be converted become problems."""
    headers = frame.attrs.get("headers", {})
    out = {}
    unreadable = {}
    problems: list[Problem] = []
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        values, bad = _convert(frame[col.name], col)
        out[col.name] = values
        if bad.any():
            problems.append(_cell_problem(frame[col.name], bad, col, headers))
            unreadable[col.name] = set(frame.index[bad])
    typed = pd.DataFrame(out, index=frame.index, copy=False)  # columns are new already
    typed.attrs["headers"] = headers
    typed.attrs["unreadable"] = unreadable
    return typed, problems


def _convert(series: pd.Series, col: Col) -> tuple[pd.Series, pd.Series]:
    """(converted values, mask of cells that were given but could not be read)."""
    if col.kind in ("int", "float") and pd.api.types.is_numeric_dtype(series.dtype) \
            and not pd.api.types.is_bool_dtype(series.dtype):
        values = series if series.dtype == "float64" else series.astype("float64")
        bad = pd.Series(False, index=series.index)
        if col.kind == "int" and series.dtype == "int64":
            return series, bad
        if col.kind == "int":
            bad = values.notna() & (values % 1 != 0)
            values = values.where(~bad)
        return _finish_numeric(values, col), bad
    if (col.kind == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype)) or \
            (col.kind == "bool" and pd.api.types.is_bool_dtype(series.dtype)) or \
            (col.kind in ("id", "text") and pd.api.types.is_integer_dtype(series.dtype)):
        return series, pd.Series(False, index=series.index)  # already typed: nothing to read
    text = _clean_text(series)
    missing = text.isna()
    if col.kind in ("int", "float"):
        values = _parse_number(text)
        bad = ~missing & values.isna()
        if col.kind == "int":
            fractional = values.notna() & (values % 1 != 0)
            bad |= fractional
            values = values.where(~fractional)
        return _finish_numeric(values, col), bad
    if col.kind == "date":
        values = _parse_date(text)
        return values, ~missing & values.isna()
    if col.kind == "bool":
        lowered = _fold(text)
        values = pd.Series(pd.NA, index=text.index, dtype="boolean")
        values[lowered.isin(TRUE_TOKENS)] = True
        values[lowered.isin(FALSE_TOKENS)] = False
        return values, ~missing & values.isna()
    if col.kind == "category":
        lookup = {_norm_header(s): code for code, names in col.allowed.items() for s in (code, *names)}
        folded = _fold(text)
        # Arrow's dictionary lookup: the position of each folded value among the spellings.
        where = pc.index_in(_arrow(folded), value_set=pa_arrow.array(list(lookup)))
        codes = pc.take(pa_arrow.array(list(lookup.values()), type=pa_arrow.large_string()), where)
        values = _strings(codes, text.index)
        return values, ~missing & values.isna()
    return text, pd.Series(False, index=text.index)


def _finish_numeric(values: pd.Series, col: Col) -> pd.Series:
    if col.kind == "int" and not col.nullable and values.notna().all():
        return values.astype("int64")
    return values.astype("Int64") if col.kind == "int" else values.astype("float64")


def _clean_text(series: pd.Series) -> pd.Series:
    """Strings folded to NFKC (full-width digits → ASCII) and stripped; NA tokens become missing.

    Keeps a categorical column categorical (only its categories are cleaned). The work is
    done by Arrow compute kernels over the whole column, not per string in Python.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        cleaned = _clean_text(series.cat.categories.to_series())
        if cleaned.is_unique and cleaned.notna().all():
            return series.cat.rename_categories(cleaned.to_numpy())
        series = series.astype("object")
    if not isinstance(series.dtype, pd.StringDtype):
        series = series.astype("string")  # numbers or mixed objects become their text
    arr = pc.utf8_trim_whitespace(pc.utf8_normalize(_arrow(series), form="NFKC"))
    is_na = pc.fill_null(pc.is_in(pc.utf8_lower(arr), value_set=pa_arrow.array(NA_TOKENS)), False)
    return _strings(pc.if_else(is_na, pa_arrow.scalar(None, arr.type), arr), series.index)


def _arrow(text: pd.Series) -> pa_arrow.Array:
    return pa_arrow.array(text, from_pandas=True).cast(pa_arrow.large_string())


def _strings(arr: pa_arrow.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(arr, dtype=pd.StringDtype("pyarrow")), index=index)


def _regex(arr: pa_arrow.Array, pattern: str, replacement: str = "") -> pa_arrow.Array:
    return pc.replace_substring_regex(arr, pattern=pattern, replacement=replacement)


def _parse_number(text: pd.Series) -> pd.Series:
    """Numbers as people write them: ``¥1,234.50``, ``12,000元``, ``1.2万``, ``3亿``."""
    arr = _arrow(text)
    scale = np.where(pc.fill_null(pc.ends_with(arr, "万"), False), 1e4,
                     np.where(pc.fill_null(pc.ends_with(arr, "亿"), False), 1e8, 1.0))
    digits = _strings(_regex(arr, r"[¥$,\s元万亿]"), text.index)
    return pd.to_numeric(digits, errors="coerce").astype("float64") * scale


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
    key = {"int": "data.not_integer", "float": "data.not_number", "date": "data.not_date",
           "bool": "data.not_bool", "category": "data.not_allowed"}[col.kind]
    params = {"values": shown}
    if col.kind == "category":
        params["allowed"] = " / ".join(f"{code}（{'、'.join(s[:1])}）" if s else code
                                       for code, s in col.allowed.items())
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
    values = ids.to_numpy()
    if ids.dtype.kind in "iu" and (values[1:] > values[:-1]).all():
        return pd.Series(True, index=ids.index)  # strictly increasing numbers: unique without hashing
    return ~ids.duplicated(keep=False)


def _validate(frame: pd.DataFrame, spec: TableSpec) -> list[Problem]:
    try:
        # inplace: the frame is ours already; pandera would otherwise copy millions of rows.
        _schema(spec, frame.columns).validate(frame, lazy=True, inplace=True)
    except SchemaErrors as errors:
        return _problems_from(errors.failure_cases, frame, spec)
    return []


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
            problems.append(Problem("data.duplicate_ids", column=where, rows=rows[:5], n_rows=len(rows),
                                    params={"values": values}))
        elif check == "data.out_of_range":
            problems.append(Problem(check, column=where, rows=rows[:5], n_rows=len(rows),
                                    params={"values": values, "range": _range_text(col)}))
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
    unknown = ~frame["customer_id"].isin(customers["customer_id"])
    if unknown.any():
        ids = ", ".join(frame.loc[unknown, "customer_id"].drop_duplicates().head(3).astype(str))
        rows = tuple(frame.index[unknown])
        where = frame.attrs.get("headers", {}).get("customer_id", "customer_id")
        raise WorkbookInputError(label, [Problem("data.unknown_customers", column=where,
                                                 rows=rows[:5], n_rows=len(rows), params={"values": ids})])
