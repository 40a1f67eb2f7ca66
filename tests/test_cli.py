"""The workbook command: exit codes, one clear error, scored output."""

import openpyxl
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
