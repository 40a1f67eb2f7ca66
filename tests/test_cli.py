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
