"""A corpus of real-world bad or odd exports: each is refused with its own message or loaded exactly.

Every case builds its file here (small ones inline, the attack files in ``tmp_path``), so nothing
big is committed. A case is ``(file name, bytes, expected)``: ``expected`` is either the list of
message keys of the :class:`WorkbookInputError`, or a function that checks the loaded table.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from workbook import columns as wb_columns
from workbook import data
from workbook.errors import WorkbookInputError

HEADER = "客户编号,客户名称,首次购买日期,最近购买日期,近12月订单数,近12月销售额,近12月毛利,满意度,推荐意愿"
ROWS = [
    "C001,上海华创机械有限公司,2021-03-02,2026-06-01,8,120000.50,30000,5,9",
    "C002,杭州云启零售有限公司,2024-01-05,2026-05-03,2,8000,1500.25,3,6",
    "C003,成都天府物流股份有限公司,2023-02-01,2026-04-01,1,500,100,4,7",
]
LEDGER = "客户,日期,金额\nC001,2026-01-05,1200\nC001,2026-03-02,800.5\nC002,2025-11-30,300\n"
AS_OF = "2026-06-30"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def xlsx(rows: list[list], sheet: str = "客户") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, blob in parts.items():
            archive.writestr(name, blob)
    return out.getvalue()


def cfb(*streams: str) -> bytes:
    """The start of an OLE compound file whose directory names ``streams`` (UTF-16LE, as Excel writes)."""
    return (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"".join(s.encode("utf-16-le") for s in streams)
    )


def customers(blob: bytes, name: str = "客户.csv", **kw) -> pd.DataFrame:
    return data.load_customers(blob, name=name, as_of=kw.pop("as_of", AS_OF), **kw)


def error(loader, blob: bytes, name: str, **kw) -> WorkbookInputError:
    with pytest.raises(WorkbookInputError) as caught:
        loader(blob, name=name, **kw)
    return caught.value


# ---------------------------------------------------------------- 2. nothing silently wrong

TOTAL_ROW = "合计,,,,11,128500.50,31600.25,,"


def test_total_row_is_dropped_with_a_notice_naming_it():
    frame = customers(csv(*ROWS, TOTAL_ROW))
    assert frame["customer_id"].tolist() == ["C001", "C002", "C003"]
    assert frame["revenue_12m"].sum() == pytest.approx(128500.5)  # not doubled
    assert [p.key for p in frame.attrs["notices"]] == ["data.total_row_dropped"]
    assert frame.attrs["notices"][0].rows == (5,)
    assert "第 5 行" in data.notices(frame, "zh")[0] or "5" in data.notices(frame, "zh")[0]


def test_total_row_never_ranks_in_abc():
    from workbook import classify

    frame = customers(csv(*ROWS, "总计,合计,2021-03-02,2026-06-01,11,128500.50,31600.25,4,7"))
    tiers = classify.value_tier_abc(frame, explain=False)
    assert len(tiers) == 3 and "总计" not in frame["customer_id"].tolist()


@pytest.mark.parametrize("word", ["小计", "Total", "TOTAL:", "合计：", "Subtotal", "共计"])
def test_total_and_subtotal_spellings(word):
    frame = customers(csv(ROWS[0], f"{word},,,,8,120000.50,30000,,", ROWS[1]))
    assert frame["customer_id"].tolist() == ["C001", "C002"]
    assert frame.attrs["notices"][0].rows == (3,)


def test_company_named_like_a_total_is_a_customer():
    frame = customers(csv(ROWS[0], "C009,合计科技有限公司,2021-03-02,2026-06-01,1,10,1,4,7"))
    assert frame["name"].tolist()[1] == "合计科技有限公司" and frame.attrs["notices"] == []


def test_subtotal_rows_in_an_xlsx_ledger():
    blob = xlsx(
        [
            ["客户编号", "订单日期", "金额"],
            ["C001", "2026-01-05", 100],
            ["小计", None, 100],
            ["C002", "2026-02-05", 50],
            ["小计", None, 50],
            ["总计", None, 150],
        ]
    )
    ledger = data.load_transactions(blob, name="台账.xlsx")
    assert ledger["amount"].tolist() == [100.0, 50.0]
    assert ledger.attrs["notices"][0].rows == (3, 5, 6)


def test_decimal_comma_is_refused_naming_the_rows():
    err = error(
        data.load_customers, csv(ROWS[0], 'C002,乙,2024-01-05,2026-05-03,2,"27874,83",1500,3,6'), "c.csv"
    )
    assert err.keys == ["data.decimal_comma"]
    assert err.problems[0].rows == (3,) and "27874,83" in err.message("en")


def test_decimal_comma_in_a_ledger_amount():
    err = error(data.load_transactions, '客户编号,订单日期,金额\nC001,2026-01-05,"99,5"\n'.encode(), "t.csv")
    assert err.keys == ["data.decimal_comma"] and err.problems[0].column == "金额"


def test_thousands_separators_still_load_exactly():
    frame = customers(csv('C001,甲,2021-03-02,2026-06-01,8,"1,234,567.50","12,000",5,9'))
    assert frame.loc[0, ["revenue_12m", "gross_profit_12m"]].tolist() == [1234567.5, 12000.0]


def test_wan_yuan_units_are_read_as_units():
    frame = customers(
        csv(
            "C001,甲,2021-03-02,2026-06-01,8,29.7万元,4.06万,5,9",
            "C002,乙,2021-03-02,2026-06-01,8,3亿,5千元,5,9",
            "C003,丙,2021-03-02,2026-06-01,8,12k,¥1.2万,5,9",
        )
    )
    assert frame["revenue_12m"].tolist() == [297_000.0, 300_000_000.0, 12_000.0]
    assert frame["gross_profit_12m"].tolist() == pytest.approx([40_600.0, 5_000.0, 12_000.0])


def test_wan_yuan_amount_is_not_called_smaller_than_its_profit():
    ledger = data.load_transactions(
        "客户编号,订单日期,金额,毛利\nC001,2026-01-05,4.06万元,5000\n".encode(), name="t.csv"
    )
    assert ledger.loc[0, ["amount", "gross_profit"]].tolist() == [40_600.0, 5_000.0]


def test_unit_in_the_header_scales_the_column():
    frame = customers(
        csv(
            "C001,甲,2021-03-02,2026-06-01,8,12.5,3,5,9",
            header=HEADER.replace("近12月销售额", "近12月销售额（万元）").replace(
                "近12月毛利", "近12月毛利(千元)"
            ),
        )
    )
    assert frame.loc[0, ["revenue_12m", "gross_profit_12m"]].tolist() == [125_000.0, 3_000.0]


def test_big5_file_loads_with_its_names_intact():
    header = "customer_id,name,first_purchase_date,last_purchase_date,orders_12m,revenue_12m"
    header += ",gross_profit_12m,satisfaction,recommend_score"
    text = header + "\nC001,臺灣華創機械股份有限公司,2021-03-02,2026-06-01,8,120000,30000,5,9\n"
    text += "C002,高雄港灣物流股份有限公司,2021-03-02,2026-06-01,8,120000,30000,5,9\n"
    frame = customers(text.encode("big5"))
    assert frame["name"].tolist() == ["臺灣華創機械股份有限公司", "高雄港灣物流股份有限公司"]


def test_utf8_file_with_one_gbk_row_names_the_row():
    blob = csv(
        ROWS[0], ROWS[1]
    ) + "C003,成都天府物流股份有限公司,2023-02-01,2026-04-01,1,500,100,4,7\n".encode("gbk")
    err = error(data.load_customers, blob, "c.csv")
    assert err.keys == ["data.mixed_encoding"] and err.problems[0].rows == (4,)


def test_bytes_in_no_known_encoding_are_refused():
    blob = csv(ROWS[0]) + bytes(range(0x80, 0x100)) * 3
    assert error(data.load_customers, blob, "c.csv").keys in (
        ["data.unknown_encoding"],
        ["data.mixed_encoding"],
    )


def test_gbk_file_with_simplified_names_still_loads():
    assert customers(csv(*ROWS).decode().encode("gbk"))["name"][2] == "成都天府物流股份有限公司"


def test_two_satisfaction_columns_refused_the_same_in_csv_and_xlsx():
    header = HEADER + ",满意度"
    row = ROWS[0] + ",4"
    from_csv = error(data.load_customers, csv(row, header=header), "c.csv")
    cells = [header.split(","), row.split(",")]
    from_xlsx = error(data.load_customers, xlsx(cells), "c.xlsx")
    assert from_csv.keys == from_xlsx.keys == ["data.duplicate_column"]
    assert from_csv.problems[0].params["position"] == from_xlsx.problems[0].params["position"] == 10


def test_chinese_and_english_header_for_one_column_refused():
    err = error(data.load_customers, csv(ROWS[0] + ",4", header=HEADER + ",satisfaction"), "c.csv")
    assert err.keys == ["data.duplicate_column"] and "满意度" in err.message("zh")


def test_future_last_purchase_is_refused_naming_the_row():
    err = error(data.load_customers, csv(ROWS[0], "C002,乙,2024-01-05,2031-05-03,2,8000,1500,3,6"), "c.csv")
    assert err.keys == ["data.future_date"] and err.problems[0].rows == (3,)
    assert "2031-05-03" in err.message("en")


def test_future_orders_in_a_ledger_are_refused():
    blob = "客户编号,订单日期,金额\nC001,2026-01-05,10\nC002,2030-01-01,5\nC003,2099-12-31,7\n".encode()
    err = error(data.load_transactions, blob, "t.csv")
    assert err.keys == ["data.future_date"] and err.problems[0].rows == (3, 4)


def test_dates_after_an_explicit_as_of_are_refused():
    err = error(data.load_transactions, LEDGER.encode(), "t.csv", as_of="2026-02-28")
    assert err.keys == ["data.future_date"] and err.problems[0].rows == (3,)
    assert "2026-02-28" in err.message("zh")


def test_names_keep_full_width_brackets_ids_are_folded_for_matching():
    frame = customers(csv("Ｃ００１,上海振华重工（集团）有限公司,2021-03-02,2026-06-01,8,1,1,5,9"))
    assert frame.loc[0, "name"] == "上海振华重工（集团）有限公司"
    assert frame.loc[0, "customer_id"] == "C001"
    ledger = data.load_transactions(
        "客户编号,订单日期,金额\nＣ001,2026-01-05,10\n".encode(), name="t.csv", customers=frame
    )
    assert ledger.loc[0, "customer_id"] == "C001"


# ---------------------------------------------------------------- 3. real files that should load


def test_csv_with_a_title_line_above_the_header():
    frame = customers(("2026年客户清单（导出）\n" + csv(*ROWS).decode()).encode())
    assert frame["customer_id"].tolist() == ["C001", "C002", "C003"]
    assert frame.attrs["headers"]["customer_id"] == "客户编号"


def test_csv_with_title_and_blank_lines_above_the_header_numbers_rows_as_excel():
    blob = ("销售台账\n导出时间：2026-06-30,,\n\n" + LEDGER).encode()
    ledger = data.load_transactions(blob, name="台账.csv")
    assert ledger["amount"].tolist() == [1200.0, 800.5, 300.0]
    blob = ("销售台账\n\n" + LEDGER.replace("800.5", "abc")).encode()
    assert error(data.load_transactions, blob, "台账.csv").problems[0].rows == (5,)


def test_xlsx_formulas_without_cached_values_are_named():
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["客户编号", "订单日期", "金额"])
    ws.append(["C001", "2026-01-05", 100])
    ws.append(["C002", "2026-01-06", "=C2*2"])
    out = io.BytesIO()
    book.save(out)
    err = error(data.load_transactions, out.getvalue(), "t.xlsx")
    assert err.keys == ["data.formulas_without_values"] and "C3" in err.message("en")


@pytest.mark.parametrize("value", ["#DIV/0!", "#VALUE!", "#REF!"])
def test_excel_error_values_are_named(value):
    blob = xlsx(
        [["客户编号", "订单日期", "金额"], ["C001", "2026-01-05", 100], ["C002", "2026-01-06", value]]
    )
    err = error(data.load_transactions, blob, "t.xlsx")
    assert err.keys == ["data.excel_error"] and value in err.message("zh") and err.problems[0].rows == (3,)


def test_excel_error_value_in_a_csv():
    err = error(data.load_customers, csv("C001,甲,2021-03-02,2026-06-01,8,#DIV/0!,1,5,9"), "c.csv")
    assert err.keys == ["data.excel_error"]


def test_password_protected_xlsx_is_called_so():
    blob = cfb("EncryptionInfo", "EncryptedPackage")
    assert error(data.load_customers, blob, "c.xlsx").keys == ["data.password_protected"]


def test_old_xls_is_still_called_old():
    assert error(data.load_customers, cfb("Workbook", "SummaryInformation"), "c.xls").keys == [
        "data.old_excel"
    ]


def test_zip_renamed_xlsx_is_called_a_zip():
    blob = zip_of({"客户.csv": csv(*ROWS), "readme.txt": b"hello"})
    err = error(data.load_customers, blob, "c.xlsx")
    assert err.keys == ["data.zip_not_excel"] and "readme.txt" in err.message("en")


def test_truncated_xlsx_is_called_damaged():
    blob = xlsx([HEADER.split(","), ROWS[0].split(",")])
    assert error(data.load_customers, blob[: len(blob) // 2], "c.xlsx").keys == ["data.damaged_excel"]


def test_unclosed_quote_names_the_row_it_starts_on():
    blob = csv(ROWS[0], 'C002,"杭州云启零售有限公司,2024-01-05,2026-05-03,2,8000,1500,3,6', ROWS[2])
    err = error(data.load_customers, blob, "c.csv")
    assert err.keys == ["data.unclosed_quote"] and err.problems[0].rows == (3,)


def test_nul_bytes_are_named():
    blob = csv(ROWS[0], ROWS[1].replace("8000", "80\x0000"))
    err = error(data.load_customers, blob, "c.csv")
    assert err.keys == ["data.nul_bytes"] and err.problems[0].rows == (3,)


# ---------------------------------------------------------------- 1. the order ledger, mapping


def test_ledger_with_customer_date_amount_only():
    ledger = data.load_transactions(LEDGER.encode(), name="台账.csv")
    assert list(ledger.columns) == ["customer_id", "order_date", "amount"]
    table = data.derive_customers(ledger, as_of=AS_OF)
    assert table["customer_id"].tolist() == ["C001", "C002"]
    assert table["orders_12m"].tolist() == [2, 1]
    assert table["revenue_12m"].tolist() == [2000.5, 300.0]
    assert table["last_purchase_date"].tolist() == [pd.Timestamp("2026-03-02"), pd.Timestamp("2025-11-30")]
    ok = {a.name for a in wb_columns.available(customers=table, transactions=ledger) if a.ok}
    assert {"rfm", "retention", "cohorts", "clv", "abc", "behaviour"} <= ok


def test_ledger_keyed_by_customer_name_with_profit():
    blob = "客户名称,成交日期,成交金额,毛利\n甲公司,2026-01-05,100,20\n"
    blob += "乙公司,2026-02-05,50,5\n甲公司,2025-01-01,10,1\n"
    ledger = data.load_transactions(blob.encode(), name="台账.csv")
    assert ledger["customer_id"].tolist() == ["甲公司", "乙公司", "甲公司"]
    table = data.derive_customers(ledger, as_of=AS_OF)
    assert table.set_index("customer_id")["gross_profit_12m"].to_dict() == {"乙公司": 5.0, "甲公司": 20.0}
    assert table.set_index("customer_id")["orders_12m"].to_dict() == {"乙公司": 1, "甲公司": 1}


def test_chinese_business_headers_load_after_one_mapping():
    header = "客户代码,客户,首次购买日期,最近购买日期,近12月订单数,回款金额,毛利,满意度,推荐意愿"
    blob = csv(*ROWS, header=header)
    before = data.load_customers(blob, name="c.csv", as_of=AS_OF)
    assert "revenue_12m" not in before and "gross_profit_12m" not in before
    notices = data.notices(before, "en")
    assert any("毛利" in n for n in notices) and any("回款金额" in n for n in notices)
    after = data.load_customers(
        blob,
        name="c.csv",
        as_of=AS_OF,
        columns={"毛利": "gross_profit_12m", "回款金额": "revenue_12m", "客户": "name"},
    )
    assert after["gross_profit_12m"].tolist() == [30000.0, 1500.25, 100.0]
    assert after["name"][0] == "上海华创机械有限公司"


def test_mapping_to_an_unknown_column_is_refused():
    err = error(data.load_customers, csv(*ROWS), "c.csv", columns={"毛利": "profit"})
    assert err.keys == ["data.mapping_unknown_target"] and "gross_profit_12m" in err.message("en")


def test_ledger_with_receipts_instead_of_amount_suggests_the_mapping():
    err = error(data.load_transactions, "客户编号,订单日期,回款金额\nC001,2026-01-05,10\n".encode(), "t.csv")
    assert err.keys == ["data.missing_column_suggest"]
    assert '{"回款金额": "amount"}' in err.message("en")


@pytest.mark.parametrize("header", ["利润", "毛利额"])
def test_profit_spellings_are_hinted(header):
    frame = customers(csv(*ROWS, header=HEADER.replace("近12月毛利", header)))
    assert "gross_profit_12m" not in frame
    assert any(header in n for n in data.notices(frame, "zh"))


def test_analysis_lacking_a_column_says_what_it_enables():
    frame = customers(csv(*ROWS))
    skipped = {a.name: a for a in wb_columns.available(customers=frame) if not a.ok}
    assert "trust" in skipped["value_matrix"].missing
    assert "信任度" in skipped["value_matrix"].reason("zh")


# ---------------------------------------------------------------- limits (checked before the work)


def test_upload_size_limit_is_a_setting(monkeypatch):
    monkeypatch.setenv("WORKBOOK_MAX_UPLOAD_MB", "0.0001")
    err = error(data.load_customers, csv(*ROWS * 40), "c.csv")
    assert err.keys == ["data.file_too_large"] and "WORKBOOK_MAX_UPLOAD_MB" in err.message("en")


def test_row_limit(monkeypatch):
    monkeypatch.setenv("WORKBOOK_MAX_ROWS", "50")
    err = error(data.load_transactions, (LEDGER + "C001,2026-01-05,1\n" * 60).encode(), "t.csv")
    assert err.keys == ["data.too_many_rows"] and "WORKBOOK_MAX_ROWS" in err.message("zh")


def test_cell_limit(monkeypatch):
    monkeypatch.setenv("WORKBOOK_MAX_CELLS", "100")
    err = error(data.load_transactions, (LEDGER + "C001,2026-01-05,1\n" * 40).encode(), "t.csv")
    assert err.keys == ["data.too_many_cells"]


def test_declared_sheet_size_is_checked_before_parsing(monkeypatch):
    monkeypatch.setenv("WORKBOOK_MAX_COLUMNS", "5")
    blob = xlsx([["客户编号", "订单日期", "金额", *[f"x{i}" for i in range(10)]], ["C001", "2026-01-05", 1]])
    assert error(data.load_transactions, blob, "t.xlsx").keys == ["data.too_many_columns"]


ATTACK = textwrap.dedent("""
    import resource, sys, time
    from pathlib import Path
    try:
        resource.setrlimit(resource.RLIMIT_AS, (1_500 * 2**20, 1_500 * 2**20))
    except (ValueError, OSError):
        pass
    from workbook import data
    from workbook.errors import WorkbookInputError
    start = time.perf_counter()
    try:
        data.load_customers(Path(sys.argv[1]))
        print("LOADED")
    except WorkbookInputError as err:
        print("KEYS", ",".join(err.keys))
    print("SECONDS", round(time.perf_counter() - start, 2))
""")


def run_attack(path) -> str:
    """Load ``path`` in a child process capped at 1.5 GB and 60 s: a regression fails, never hangs."""
    if os.name != "posix":
        pytest.skip("the memory cap uses resource (POSIX)")
    done = subprocess.run(
        [sys.executable, "-c", ATTACK, str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    return done.stdout + done.stderr


def test_a_million_columns_are_refused_before_parsing(tmp_path):
    path = tmp_path / "wide.csv"
    with path.open("w") as out:
        out.write(",".join(f"c{i}" for i in range(1_000_000)) + "\n")
        out.write(",".join("1" for _ in range(1_000)) + "\n")
    assert path.stat().st_size > 6 * 2**20
    output = run_attack(path)
    assert "KEYS data.too_many_columns" in output, output
    assert float(output.split("SECONDS")[1]) < 5


def test_xlsx_bomb_is_refused_from_its_zip_directory(tmp_path):
    from benchmarks.limits import xlsx_bomb

    # a valid workbook whose sheet inflates to 400 MB: today's reader parses it all before answering
    path = xlsx_bomb(tmp_path / "bomb.xlsx", inflated_mb=400)
    assert path.stat().st_size < 2 * 2**20
    output = run_attack(path)
    assert "KEYS data.xlsx_too_large" in output, output
    assert float(output.split("SECONDS")[1]) < 5


def test_limits_defaults_are_documented():
    limits = data.limits.current()
    assert limits.max_columns == 300 and limits.max_bytes == 50 * 2**20
    assert np.isfinite(limits.max_cells)
