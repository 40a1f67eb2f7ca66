"""The workbook command: exit codes, one clear error, scored output."""

import openpyxl
import pandas as pd
import pytest

from workbook import cli, data

MESSY = data.DATASETS_DIR / "messy"


def test_score_writes_excel_with_levels_and_reasons(tmp_path, capsys):
    out = tmp_path / "scored.xlsx"
    code = cli.main(
        ["score", str(data.DATASETS_DIR / "customers.csv"), "-o", str(out), "--as-of", "2026-06-30"]
    )
    assert code == cli.EXIT_OK and "2000" in capsys.readouterr().out
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["customer_id", "name", "level", "level_reason"]
    assert sheet.max_row == 2001 and sheet["C2"].value in {
        "prospect",
        "initial_contact",
        "active",
        "loyal",
        "strategic_partner",
    }


def test_bad_file_is_one_clear_error_with_exit_code_1(tmp_path, capsys):
    code = cli.main(
        ["--lang", "en", "score", str(MESSY / "customers_out_of_range.csv"), "-o", str(tmp_path / "x.csv")]
    )
    err = capsys.readouterr().err
    assert code == cli.EXIT_INPUT and err.startswith("customers_out_of_range.csv: 3 problems")
    assert "Traceback" not in err and not (tmp_path / "x.csv").exists()


def test_instrument_validation(capsys):
    assert (
        cli.main(["instruments", "validate", str(cli.ROOT / "workbook/instruments/relationship.yaml")])
        == cli.EXIT_OK
    )
    assert (
        cli.main(["instruments", "validate", str(cli.ROOT / "tests/broken_instruments/band_gap.yaml")])
        == cli.EXIT_INPUT
    )
    assert "band_gap.yaml" in capsys.readouterr().err


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as caught:
        cli.main(["score"])
    assert caught.value.code == cli.EXIT_USAGE


# --- after the session: report and export find the store the server used ------------------------


def test_serve_banner_says_where_the_data_really_is_and_the_commands_that_read_it(tmp_path, monkeypatch):
    from workbook.serve import ServeOptions, banner, server_environment

    monkeypatch.delenv("WORKBOOK_DATABASE_URL", raising=False)
    options = ServeOptions(data_dir=tmp_path / "class data", lab_port=8888)
    env = server_environment(options, "K7M2QX")
    text = banner(options, "K7M2QX", env, lab_token="abc123")
    assert str(tmp_path / "class data" / "workbook.sqlite") in text
    assert f'report 加入码 --data-dir "{tmp_path / "class data"}"' in text
    assert "http://127.0.0.1:8888/lab/tree/notebooks?token=abc123" in text
    assert "make serve HOST=0.0.0.0" in text  # as the README says


def test_lab_kernels_draw_inline_and_app_kernels_draw_png(monkeypatch):
    from workbook.serve import ServeOptions, lab_environment, server_environment

    monkeypatch.setenv("MPLBACKEND", "Agg")  # set by a shell or a test run: must not hide the charts
    env = server_environment(ServeOptions(), "K7M2QX")
    assert env["MPLBACKEND"] == "Agg"
    lab = lab_environment(env, "tok")
    assert lab["MPLBACKEND"] == "module://matplotlib_inline.backend_inline" and lab["JUPYTER_TOKEN"] == "tok"
    assert "JUPYTER_TOKEN" not in env  # the apps' server needs no token


def test_report_without_options_reads_the_store_of_the_last_server(tmp_path, monkeypatch, capsys):
    from workbook.serve import ServeOptions, remember_store, server_environment
    from workbook.store import Store

    monkeypatch.delenv("WORKBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("WORKBOOK_DATA_DIR", str(tmp_path / "default"))  # this shell's default data folder
    served = tmp_path / "elsewhere"
    env = server_environment(ServeOptions(data_dir=served), "K7M2QX")
    remember_store(env)  # what `workbook serve --data-dir elsewhere` does at start
    with Store(f"sqlite:///{served / 'workbook.sqlite'}") as store:
        code = store.create_session("课后报告").code
    assert cli.main(["export", code, "-o", str(tmp_path / "out.xlsx")]) == 0
    assert (tmp_path / "out.xlsx").exists()
    assert not (tmp_path / "default" / "workbook.sqlite").exists()  # no empty store made on the way


def test_report_on_a_missing_store_says_where_to_look_and_creates_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("WORKBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("WORKBOOK_DATA_DIR", str(tmp_path))
    assert cli.main(["report", "AB3K9Z", "--data-dir", str(tmp_path / "nowhere")]) == 1
    message = capsys.readouterr().err
    assert "nowhere" in message and "--data-dir" in message and "Traceback" not in message
    assert not (tmp_path / "nowhere").exists()


LEDGER = "客户,成交日期,成交金额\n" + "".join(
    f"C{c:03d},2026-{m:02d}-{d:02d},{100 * c + m}\n"
    for c in range(1, 13)
    for m, d in ((1, 5), (3, 9), (5, 20))
    if not (c > 8 and m == 5)
)


def test_one_mistyped_recent_date_does_not_become_the_assessment_date(tmp_path, capsys):
    # 2026-10-20 is before today, so it loads, but it is 153 days after every other order.
    ledger = tmp_path / "台账.csv"
    ledger.write_text(LEDGER + "C004,2026-10-20,404\n", encoding="utf-8")
    out = tmp_path / "scored.xlsx"
    assert cli.main(["score", str(ledger), "-o", str(out)]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "评估日期：2026-05-20（订单明细中最晚的常规订单日期" in err
    assert "1 个日期比其余所有日期晚 60 天以上，疑似录入错误，未计入：C004 2026-10-20" in err
    scored = pd.read_excel(out, sheet_name="scored").set_index("customer_id")
    assert scored.loc["C004", "revenue_12m"] == 309 + 3 * 300  # the October order is left out
    assert scored.loc["C009", "behaviour"] == "active"  # nobody looks lapsed because of it


def test_score_an_order_ledger_alone_writes_what_the_columns_allow(tmp_path, capsys):
    ledger = tmp_path / "台账.csv"
    ledger.write_text(LEDGER, encoding="utf-8")
    out = tmp_path / "scored.xlsx"
    assert cli.main(["--lang", "en", "score", str(ledger), "-o", str(out)]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "as of 2026-05-20 (the latest regular order in the ledger" in err
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"scored", "retention", "cohorts", "skipped"}
    scored = sheets["scored"].set_index("customer_id")
    # C001: orders on 5 Jan, 9 Mar, 20 May of 101, 103, 105 CNY
    assert scored.loc["C001", ["orders_12m", "revenue_12m"]].tolist() == [3, 309]
    assert scored.loc["C009", "behaviour"] == "active" and scored.loc["C001", "abc_tier"] in (
        "high",
        "mid",
        "low",
    )
    assert {"rfm_cell", "rfm_segment", "abc_tier", "behaviour"} <= set(scored.columns)
    skipped = sheets["skipped"].set_index("analysis")
    assert {"level", "value_matrix", "risk"} <= set(skipped.index)
    assert "satisfaction" in skipped.loc["value_matrix", "missing_columns"]
    assert "overdue_days" in skipped.loc["risk", "reason"]


def test_score_the_cdnow_log_a_whitespace_aligned_text_file(tmp_path, capsys):
    log = tmp_path / "CDNOW_master.txt"
    log.write_text(
        "customer_id date number_of_cds dollar_value\n"
        "00001   19970101   1   11.77\n"
        "00002   19970112   1   12.00\n"
        "00002   19970112   5   77.00\n"
        "00003   19970102   2   20.76\n"
        "00003   19970330   2   19.54\n",
        encoding="ascii",
    )
    out = tmp_path / "scored.xlsx"
    assert cli.main(["--lang", "en", "score", str(log), "-o", str(out)]) == cli.EXIT_OK
    assert "as of 1997-03-30 (the latest regular order in the ledger" in capsys.readouterr().err
    scored = pd.read_excel(out, sheet_name="scored", dtype={"customer_id": str}).set_index("customer_id")
    assert scored.index.tolist() == ["00001", "00002", "00003"]
    assert scored["orders_12m"].tolist() == [1, 2, 2]
    assert scored["revenue_12m"].tolist() == [11.77, 89.0, 40.3]


def test_score_with_a_mapping_file_written_as_a_template(tmp_path, capsys):
    header = "客户代码,客户,首次购买日期,最近购买日期,近12月订单数,近12月销售额,毛利,满意度,推荐意愿"
    rows = [
        f"C{i:03d},公司{i},2021-03-02,2026-06-0{1 + i % 5},{i},{1000 * i},{100 * i},4,8" for i in range(1, 9)
    ]
    source = tmp_path / "crm.csv"
    source.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    template = tmp_path / "mapping.yaml"
    assert cli.main(["score", str(source), "--write-mapping", str(template)]) == cli.EXIT_OK
    text = template.read_text(encoding="utf-8")
    assert '"毛利": gross_profit_12m' in text and '"客户代码": customer_id' in text
    out = tmp_path / "scored.csv"
    assert cli.main(["score", str(source), "--columns", str(template), "-o", str(out)]) == cli.EXIT_OK
    scored = pd.read_csv(out, encoding="utf-8-sig")
    assert set(scored["abc_by"]) == {"gross_profit_12m"}
    assert (tmp_path / "scored_skipped.csv").exists()


def test_score_refuses_a_future_order_naming_the_row(tmp_path, capsys):
    ledger = tmp_path / "台账.csv"
    ledger.write_text(LEDGER + "C001,2031-01-01,5\n", encoding="utf-8")
    code = cli.main(["--lang", "en", "score", str(ledger), "-o", str(tmp_path / "x.xlsx")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INPUT and "2031-01-01" in err and "Traceback" not in err
    assert not (tmp_path / "x.xlsx").exists()


def test_score_help_documents_the_input_limits(capsys):
    with pytest.raises(SystemExit):
        cli.main(["score", "--help"])
    help_text = capsys.readouterr().out
    for setting in (
        "WORKBOOK_MAX_UPLOAD_MB",
        "WORKBOOK_MAX_COLUMNS",
        "WORKBOOK_MAX_ROWS",
        "WORKBOOK_MAX_CELLS",
        "WORKBOOK_MAX_XLSX_MB",
    ):
        assert setting in help_text
