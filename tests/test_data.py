"""Loading tables: encodings, aliases, coercion, and one clear bilingual error for bad input."""

import io
import warnings

import openpyxl
import pandas as pd
import pytest

from workbook import data, i18n
from workbook.errors import WorkbookInputError

HEADER = "客户编号,客户名称,首次购买日期,最近购买日期,近12月订单数,近12月销售额,近12月毛利,满意度,推荐意愿"
ROWS = [
    "C001,上海华创机械有限公司,2021-03-02,2026-06-01,8,120000.50,30000,5,9",
    "C002,杭州云启零售有限公司,2024/1/5,2026年5月3日,2,8000,1500.25,3,6",
    "C003,成都天府物流股份有限公司,,,0,0,0,4,7",
]


def csv_text(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def load_error(source, **kw) -> WorkbookInputError:
    with pytest.raises(WorkbookInputError) as caught:
        data.load_customers(source, **kw)
    return caught.value


# ---------------------------------------------------------------- what loads


def test_minimal_chinese_file_loads_with_canonical_columns_and_types():
    frame = data.load_customers(csv_text(*ROWS).encode(), name="客户.csv")
    assert list(frame.columns) == [
        "customer_id",
        "name",
        "first_purchase_date",
        "last_purchase_date",
        "orders_12m",
        "revenue_12m",
        "gross_profit_12m",
        "satisfaction",
        "recommend_score",
    ]
    assert frame["orders_12m"].dtype == "int64" and frame["satisfaction"].tolist() == [5, 3, 4]
    assert frame["revenue_12m"].tolist() == [120000.5, 8000.0, 0.0]
    first = frame["first_purchase_date"].tolist()
    assert first[:2] == [pd.Timestamp("2021-03-02"), pd.Timestamp("2024-01-05")]
    assert frame["last_purchase_date"][1] == pd.Timestamp("2026-05-03")
    assert frame["first_purchase_date"].isna().tolist() == [False, False, True]
    assert list(frame.index) == [0, 1, 2]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_chinese_excel_exports(encoding):
    frame = data.load_customers(csv_text(*ROWS).encode(encoding), name="x.csv")
    assert frame["name"][0] == "上海华创机械有限公司"


def test_excel_unicode_text_is_utf16_with_tabs():
    text = csv_text(*ROWS).replace(",", "\t")
    frame = data.load_customers(text.encode("utf-16"), name="x.txt")
    assert frame.shape == (3, 9) and frame["name"][2].startswith("成都")


def test_english_headers_and_dataframe_source():
    english = pd.DataFrame(
        {
            "Customer_ID": ["a"],
            "name": ["甲"],
            "First Purchase Date": ["2025-01-01"],
            "last_purchase_date": ["2025-02-01"],
            "orders_12m": [1],
            "revenue_12m": [10.0],
            "gross_profit_12m": [2.0],
            "satisfaction": [4],
            "recommend_score": [10],
        }
    )
    frame = data.load_customers(english)
    assert frame.loc[0, "customer_id"] == "a" and frame.loc[0, "recommend_score"] == 10


def test_people_written_numbers_and_dates():
    row = 'Ｃ００９ ,某公司,2026.01.05,20260301,１２,1.2万,"¥1,234.50",4,8'
    frame = data.load_customers(csv_text(row).encode(), name="x.csv")
    assert frame.loc[0, "customer_id"] == "C009"  # full-width folded, spaces stripped
    assert frame.loc[0, "orders_12m"] == 12
    assert frame.loc[0, "revenue_12m"] == 12000.0  # 1.2 万 = 1.2 × 10,000
    assert frame.loc[0, "gross_profit_12m"] == 1234.5
    assert frame.loc[0, "last_purchase_date"] == pd.Timestamp("2026-03-01")


def test_na_tokens_in_names_are_found_in_any_width_and_long_names_kept_as_written():
    rows = [ROWS[0].replace("上海华创机械有限公司", " ｎ／ａ "), ROWS[1].replace("杭州云启", "杭州（云启）")]
    err = load_error(csv_text(*rows).encode(), name="x.csv")
    assert "列「客户名称」，第 2 行：有空白单元格" in err.message("zh")  # a name is required
    frame = data.load_customers(csv_text(*rows[1:]).encode(), name="x.csv")
    assert frame.loc[0, "name"] == "杭州（云启）零售有限公司"


@pytest.mark.parametrize("ids", [("C001", "C001", "C002"), ("C002", "C001", "C002")])
def test_repeated_ids_are_found_in_sorted_and_unsorted_files(ids):
    rows = [row.replace("C00" + row[3], cid, 1) for row, cid in zip(ROWS, ids, strict=True)]
    err = load_error(csv_text(*rows).encode(), name="x.csv")
    assert err.keys == ["data.duplicate_ids"]


def test_header_units_in_brackets_are_ignored():
    header = HEADER.replace("近12月销售额", "近12月销售额（元）")
    frame = data.load_customers(csv_text(ROWS[0], header=header).encode(), name="x.csv")
    assert frame.loc[0, "revenue_12m"] == 120000.5


def test_categories_accept_codes_and_chinese():
    header = HEADER + ",企业规模,经销商等级,会员"
    text = csv_text(ROWS[0] + ",大型,b,是", ROWS[1] + ",small,,否", header=header)
    frame2 = data.load_customers(text.encode())
    assert frame2["company_size"].tolist() == ["large", "small"]
    assert frame2["dealer_class"].tolist()[0] == "B" and pd.isna(frame2["dealer_class"][1])
    assert frame2["member"].tolist() == [True, False]


def excel_bytes(rows: list[list], title_rows: int = 0, first_sheet_prose: bool = False) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if first_sheet_prose:
        sheet.title = "说明"
        sheet["A1"] = "本文件为客户清单，请勿修改表头。"
        sheet = book.create_sheet("客户")
    for i in range(title_rows):
        sheet.cell(row=i + 1, column=1, value=f"2026年客户清单 第{i + 1}行标题")
        sheet.merge_cells(start_row=i + 1, start_column=1, end_row=i + 1, end_column=5)
    for r, values in enumerate(rows, start=title_rows + 1):
        for c, value in enumerate(values, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_excel_header_found_below_merged_title_rows_and_on_a_later_sheet():
    rows = [HEADER.split(","), *[r.split(",") for r in ROWS]]
    rows[1][4] = 8  # a real number cell
    for blob in (excel_bytes(rows, title_rows=2), excel_bytes(rows, first_sheet_prose=True)):
        frame = data.load_customers(blob, name="客户.xlsx")
        assert frame.shape == (3, 9) and frame.loc[0, "orders_12m"] == 8


def test_excel_row_numbers_in_messages_match_the_sheet():
    rows = [HEADER.split(","), *[r.split(",") for r in ROWS]]
    rows[2][7] = 9  # satisfaction of C002, which sits on Excel row 3 + 2 title rows = row 5
    err = load_error(excel_bytes(rows, title_rows=2), name="客户.xlsx")
    assert err.keys == ["data.out_of_range"] and err.problems[0].rows == (5,)


# ---------------------------------------------------------------- what fails, and how it says so


def test_several_problems_reported_at_once_in_file_order():
    bad = [
        "C001,甲,2021-03-02,2026-06-01,很多,120000,30000,6,9",
        "C001,乙,2024-01-05,2023-01-01,2,abc,1500,3,11",
    ]
    err = load_error(csv_text(*bad).encode(), name="customers.csv")
    assert err.keys == [
        "data.duplicate_ids",
        "data.last_before_first",
        "data.not_integer",
        "data.not_number",
        "data.out_of_range",
        "data.out_of_range",
    ]
    zh = err.message("zh")
    assert zh.startswith("customers.csv：发现 6 处问题")
    assert "列「满意度」，第 2 行：数值 6 超出范围，应在 1–5 之间。" in zh
    assert "列「近12月订单数」，第 2 行：应为整数，但读到 '很多'。" in zh
    en = err.message("en")
    assert "column '推荐意愿', rows 3: values 11 are outside the range 0–10." in en
    assert "column '客户编号', rows 2、3" not in en and "rows 2, 3: ids C001 appear more than once" in en


def test_message_follows_the_active_language():
    err = load_error(csv_text(ROWS[0].replace(",5,9", ",0,9")).encode(), name="c.csv")
    with i18n.language("en"):
        assert str(err).startswith("c.csv: 1 problem\n1. column '满意度', rows 2: values 0 are outside")
    assert str(err).startswith("c.csv：发现 1 处问题")


def test_missing_and_misspelled_columns():
    header = HEADER.replace("满意度", "满意").replace(",推荐意愿", "")
    blob = csv_text(ROWS[0].rsplit(",", 1)[0], header=header).encode()
    err = load_error(blob, name="c.csv", require=("satisfaction", "recommend_score"))
    assert err.keys == ["data.missing_column_suggest", "data.missing_column"]
    assert "「满意」" in err.message("zh") and "recommend_score / 推荐意愿" in err.message("en")
    # Without require, the file loads with what it has and says what it did not use.
    frame = data.load_customers(blob, name="c.csv")
    assert "satisfaction" not in frame and "recommend_score" not in frame
    assert [p.key for p in frame.attrs["notices"]] == ["data.unmapped_column"]
    assert "「满意」" in data.notices(frame, "zh")[0]


def test_unreadable_cells_are_not_also_reported_as_empty():
    err = load_error(csv_text("C001,甲,2021-03-02,2026-06-01,8,120000,30000,五,9").encode(), name="c.csv")
    assert err.keys == ["data.not_integer"]


@pytest.mark.parametrize(
    ("blob", "key"),
    [
        (b"", "data.empty_file"),
        (b"  \n\n", "data.empty_file"),
        (HEADER.encode() + b"\n", "data.no_rows"),
        (csv_text(*ROWS).replace(",", ";").encode(), "data.wrong_separator"),
        (csv_text(*ROWS).replace(",", "，").encode(), "data.wrong_separator"),
        (csv_text(ROWS[0] + ",多余").encode(), "data.ragged_row"),
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "data.old_excel"),
        (b"PK\x03\x04 not really a zip", "data.damaged_excel"),
    ],
)
def test_file_level_problems(blob, key):
    assert load_error(blob, name="f.csv").keys == [key]


def test_excel_without_a_recognisable_header():
    err = load_error(excel_bytes([["a", "b"], [1, 2]]), name="x.xlsx")
    assert err.keys == ["data.no_header"] and "客户编号" in err.message("zh")


def test_size_limit(monkeypatch, tmp_path):
    monkeypatch.setattr(data, "MAX_BYTES", 100)
    path = tmp_path / "big.csv"
    path.write_text(csv_text(*ROWS * 5), encoding="utf-8")
    assert load_error(path).keys == ["data.file_too_large"]
    assert load_error(path.read_bytes(), name="big.csv").keys == ["data.file_too_large"]


def test_missing_file():
    err = load_error("没有这个文件.csv")
    assert err.keys == ["data.file_not_found"] and "没有这个文件.csv" in str(err)


def test_transactions_against_customers():
    customers = data.load_customers(csv_text(*ROWS).encode(), name="c.csv")
    orders = "订单号,客户编号,订单日期,金额,毛利\nO1,C001,2026-01-02,100,20\nO2,C999,2026-01-03,50,10\n"
    with pytest.raises(WorkbookInputError) as caught:
        data.load_transactions(orders.encode(), name="t.csv", customers=customers)
    assert caught.value.keys == ["data.unknown_customers"] and caught.value.problems[0].rows == (3,)
    loaded = data.load_transactions(orders.encode(), name="t.csv")
    assert loaded["amount"].sum() == 150.0


def test_input_dataframe_is_not_mutated():
    frame = pd.DataFrame([r.split(",") for r in ROWS], columns=HEADER.split(","))
    before = frame.copy()
    data.load_customers(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_require_columns():
    with pytest.raises(WorkbookInputError) as caught:
        data.require_columns(pd.DataFrame({"a": [1]}), ["a", "trust"], "upload.csv")
    assert caught.value.keys == ["data.missing_column"] and "trust" in str(caught.value)


# ---------------------------------------------------------------- the messy teaching set

MESSY = data.DATASETS_DIR / "messy"
LOADS = [
    "customers_gbk.csv",
    "customers_utf8_bom.csv",
    "customers_utf16_tab.txt",
    "customers_merged_header.xlsx",
    "customers_second_sheet.xlsx",
    "customers_currency_text.csv",
    "customers_mixed_dates.csv",
    "customers_blank_lines.csv",
]
FAILS = {
    "customers_misspelled_column.csv": ["data.missing_column_suggest"],
    "customers_wrong_types.csv": ["data.not_integer", "data.not_number"],
    "customers_out_of_range.csv": ["data.out_of_range"] * 3,
    "customers_duplicate_ids.csv": ["data.duplicate_ids"],
    "customers_blank_ids.csv": ["data.missing_values"],
    "customers_bad_dates.csv": ["data.not_date"],
    "customers_last_before_first.csv": ["data.last_before_first"],
    "customers_bad_category.csv": ["data.not_allowed", "data.not_allowed"],
    "customers_semicolon.csv": ["data.wrong_separator"],
    "customers_fullwidth_comma.csv": ["data.wrong_separator"],
    "empty.csv": ["data.empty_file"],
    "customers_header_only.csv": ["data.no_rows"],
    "customers_no_header.xlsx": ["data.no_header"],
}


@pytest.mark.parametrize("name", LOADS)
def test_messy_files_that_load(name):
    clean = data.load_customers(data.DATASETS_DIR / "customers.csv").set_index("customer_id")
    frame = data.load_customers(MESSY / name)
    assert len(frame) >= 5 and frame["customer_id"].is_unique
    # Whatever the encoding or layout, the values are those of the clean sample.
    same = clean.loc[frame["customer_id"], ["name", "satisfaction"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(frame[["name", "satisfaction"]], same, check_dtype=False)


@pytest.mark.parametrize(("name", "keys"), FAILS.items())
def test_messy_files_that_fail_say_why(name, keys):
    err = load_error(MESSY / name)
    assert sorted(err.keys) == sorted(keys)
    for lang in ("zh", "en"):
        text = err.message(lang)
        assert text.startswith(name) and "Traceback" not in text
        assert all(p.column is None or p.column in text for p in err.problems)


def test_messy_file_with_many_problems_reports_them_all():
    err = load_error(MESSY / "customers_many_problems.csv")
    assert len({p.column for p in err.problems}) >= 4


@pytest.mark.parametrize(
    ("name", "loader", "keys"),
    [
        (
            "transactions_bad_amounts.csv",
            data.load_transactions,
            ["data.amount_not_positive", "data.profit_above_amount"],
        ),
        (
            "nps_bad_scores.csv",
            data.load_nps_survey,
            ["data.not_integer", "data.out_of_range", "data.not_allowed"],
        ),
        ("servqual_bad_importance.csv", data.load_servqual, ["data.importance_not_100", "data.out_of_range"]),
    ],
)
def test_messy_survey_and_transaction_files(name, loader, keys):
    with pytest.raises(WorkbookInputError) as caught:
        loader(MESSY / name)
    assert sorted(caught.value.keys) == sorted(keys)


def test_messy_transactions_with_unknown_customers():
    customers = data.load_customers(data.DATASETS_DIR / "customers.csv")
    with pytest.raises(WorkbookInputError) as caught:
        data.load_transactions(MESSY / "transactions_unknown_customers.csv", customers=customers)
    assert caught.value.keys == ["data.unknown_customers"]


@pytest.mark.parametrize(
    ("name", "loader"),
    [
        ("customers.csv", data.load_customers),
        ("customers_2025.csv", data.load_customers),
        ("transactions.csv", data.load_transactions),
        ("nps_survey.csv", data.load_nps_survey),
        ("servqual.csv", data.load_servqual),
    ],
)
def test_sample_data_loads_clean(name, loader):
    """Nothing dropped, renamed, unread or blanked: every row, column and filled cell of the file arrives."""
    path = data.DATASETS_DIR / name
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a loader warning is a problem in the sample data too
        frame = loader(path)
    assert len(raw) > 100 and len(frame) == len(raw)
    assert frame.index.equals(pd.RangeIndex(len(raw)))
    assert list(frame.columns) == list(raw.columns)  # the files use the canonical names already
    assert data.notices(frame) == [] and frame.attrs["unreadable"] == {}
    filled = {column: int((raw[column] != "").sum()) for column in raw.columns}
    assert {column: int(frame[column].notna().sum()) for column in raw.columns} == filled


# ---------------------------------------------------------------- whitespace-aligned text

CDNOW = (
    "customer_id date number_of_cds dollar_value\n"
    "00001 19970101 1 11.77\n"
    "00002 19970112 1 12.00\n"
    "00002 19970112 5 77.00\n"
    "00003 19970102 2 20.76\n"
)


def test_cdnow_log_loads_as_whitespace_separated_with_english_headers():
    ledger = data.load_transactions(CDNOW.encode(), name="CDNOW_master.txt")
    assert list(ledger.columns) == ["customer_id", "order_date", "amount"]  # number_of_cds is not used
    assert ledger["customer_id"].tolist() == ["00001", "00002", "00002", "00003"]
    assert ledger["order_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "1997-01-01",
        "1997-01-12",
        "1997-01-12",
        "1997-01-02",
    ]
    assert ledger["amount"].tolist() == [11.77, 12.0, 77.0, 20.76]
    assert data.guess_table(CDNOW.encode(), name="CDNOW_master.txt") == "transactions"


def test_columns_aligned_by_runs_of_spaces_below_a_title_line():
    text = (
        "CDNOW sample, first quarter 1997\n"
        "\n"
        "   customer_id      date   number_of_cds   dollar_value\n"
        "         00001  19970101               1          11.77\n"
        "\n"
        "         00002  19970112               1          12.00\n"
    )
    ledger = data._load(text.encode(), data.TRANSACTIONS, "aligned.txt")
    assert ledger.index.tolist() == [4, 6]  # rows as the file numbers them
    assert ledger["customer_id"].tolist() == ["00001", "00002"]
    assert ledger["order_date"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-12")]
    assert ledger["amount"].tolist() == [11.77, 12.0]


def test_whitespace_file_with_a_ragged_row_names_the_row_and_the_space():
    text = CDNOW + "00004 19970103 1 9.99 extra\n"
    with pytest.raises(WorkbookInputError) as caught:
        data.load_transactions(text.encode(), name="cdnow.txt")
    err = caught.value
    assert err.keys == ["data.ragged_row_spaces"] and err.problems[0].rows == (6,)
    assert "contains a space" in err.message("en") and "5 fields" in err.message("en")
    with pytest.raises(WorkbookInputError) as caught:
        data.load_transactions(("客户 日期 金额\nC1 2026-01-05\x00 5\n").encode(), name="nul.txt")
    assert caught.value.keys == ["data.nul_bytes"]


def test_a_header_with_spaces_in_a_comma_or_tab_file_stays_comma_or_tab():
    for sep in (",", "\t"):
        text = (
            sep.join(["客户 名称", "订单 日期", "金额"])
            + "\n"
            + sep.join(["华创 机械", "2026-01-05", "5"])
            + "\n"
        )
        raw = data.read_raw(text.encode(), data.TRANSACTIONS, "x.csv")
        assert list(raw.columns) == ["客户 名称", "订单 日期", "金额"] and raw.iloc[0, 0] == "华创 机械"
    one_column = "Customer Name\nAcme Ltd\n"
    assert list(data.read_raw(one_column.encode(), data.TRANSACTIONS, "x.csv").columns) == ["Customer Name"]


def test_yyyymmdd_numbers_are_dates_also_in_a_numeric_column():
    frame = pd.DataFrame({"customer_id": ["a", "b"], "date": [19970101.0, 20001231.0], "sales": [1.0, 2.0]})
    ledger = data.load_transactions(frame)
    assert ledger["order_date"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("2000-12-31")]
    frame["date"] = [19970101, 45000]  # not every value a yyyymmdd date: refused, values shown
    with pytest.raises(WorkbookInputError) as caught:
        data.load_transactions(frame)
    assert caught.value.keys == ["data.not_date"] and "'45000'" in caught.value.message("en")


@pytest.mark.parametrize(
    "header",
    ["dollar_value", "sales", "Revenue", "Order Amount", "order_value", "net_amount", "Sales Amount"],
)
def test_english_amount_headers_are_the_order_amount(header):
    text = f"customer_id,order_date,{header}\nC1,2026-01-05,12.5\n"
    assert data.load_transactions(text.encode(), name="orders.csv")["amount"].tolist() == [12.5]


@pytest.mark.parametrize("header", ["total", "value"])
def test_ambiguous_amount_headers_are_only_suggested(header):
    text = f"customer_id,order_date,{header}\nC1,2026-01-05,12.5\n"
    with pytest.raises(WorkbookInputError) as caught:
        data.load_transactions(text.encode(), name="orders.csv")
    problem = caught.value.problems[0]
    assert caught.value.keys == ["data.missing_column_suggest"] and problem.params["found"] == header
    price = "customer_id,order_date,price\nC1,2026-01-05,12.5\n"  # a unit price is never the amount
    with pytest.raises(WorkbookInputError) as caught:
        data.load_transactions(price.encode(), name="orders.csv")
    assert caught.value.keys == ["data.missing_column"]


def test_frame_built_from_pieces_loads_like_one_frame():
    """Rows appended or frames concatenated leave text columns in pieces; they load all the same."""
    whole = data.load_customers(data.DATASETS_DIR / "customers.csv")
    raw = pd.read_csv(data.DATASETS_DIR / "customers.csv", dtype=str, keep_default_na=False)
    pieces = pd.concat([raw.iloc[:700], raw.iloc[700:]], ignore_index=True)
    pd.testing.assert_frame_equal(data.load_customers(pieces), whole)
    pieces.loc[len(pieces)] = ["合计"] + [""] * (pieces.shape[1] - 1)  # a total row appended
    loaded = data.load_customers(pieces)
    assert len(loaded) == len(whole) and data.notices(loaded)
