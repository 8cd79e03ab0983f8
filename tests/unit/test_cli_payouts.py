"""``clickpay-desk payouts check``: the lines an accountant's script reads, and the exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from clickpay_desk.app import main
from tests.fixtures.payouts.sheets import (
    PAYROLL_EXPECTED,
    kw_iban,
    write_arabic_csv,
    write_payroll_xlsx,
)

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], str]:
    code = main(["payouts", "check", *argv])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def write_valid(folder: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(["Salaries — October"])
    ws.append(
        [
            "Beneficiary",
            "Country",
            "IBAN",
            "Bank",
            "E-mail",
            "Mobile",
            "Address",
            "Amount",
            "Transfer code",
        ]
    )
    for n in range(1, 4):
        ws.append(
            [
                f"Employee {n}",
                "KW",
                kw_iban(n),
                "CBKU",
                f"e{n}@example.com",
                f"+9655012345{n}",
                "Kuwait City",
                f"{n}00.50",
                100,
            ]
        )
    path = folder / "valid.xlsx"
    wb.save(path)
    return path


def test_one_line_per_problem_at_the_row_and_column_the_file_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_payroll_xlsx(tmp_path)
    code, lines, err = run(capsys, str(path))
    assert code == 1
    problems = [line for line in lines if line.startswith("row ")]
    assert len(problems) == len(PAYROLL_EXPECTED)
    for (row, column), piece in PAYROLL_EXPECTED.items():
        assert any(
            line.startswith(f"row {row}, {column}: ") and piece in line for line in problems
        ), (row, column)
    assert "row 9, Amount (KWD): KWD allows at most 3 decimal places (12.3456)" in problems
    assert "row 15, Country: is not an ISO 3166-1 country code (XX)" in problems
    assert "row 17, Beneficiary: must not be empty" in problems
    warnings = [line for line in lines if line.startswith("warning: ")]
    assert [w.split(":")[1].strip() for w in warnings] == ["row 5, IBAN No.", "row 22, IBAN No."]
    assert lines[-1] == "18 rows (6 valid, 12 with problems); total KWD 11,345.9706 over 16 rows"
    assert "header in row 4" in err and "J12 (Amount (KWD)) is a formula" in err


def test_all_valid_exits_0_and_warnings_do_not_change_that(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = run(capsys, str(write_valid(tmp_path)))
    assert code == 0
    assert lines == ["3 rows (all valid); total SAR 601.50 over 3 rows"]

    path = write_valid(tmp_path)
    wb = Workbook()
    ws = wb.active
    ws.append(["Beneficiary", "Country", "IBAN", "Bank", "E-mail", "Mobile", "Address", "Amount"])
    for _ in range(2):
        ws.append(["Same", "KW", kw_iban(1), "CBKU", "s@example.com", "+96550123451", "X", "5"])
    ws["I1"] = "Transfer code"
    ws["I2"] = ws["I3"] = 100
    wb.save(path)
    code, lines, _ = run(capsys, str(path))
    assert code == 0
    assert sum(line.startswith("warning: row 2, ") for line in lines) == 2  # IBAN; name+amount


def test_currency_option_sets_the_decimals(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_valid(tmp_path)
    code, lines, _ = run(capsys, str(path), "--currency", "jpy")
    assert code == 1
    assert lines[0] == "row 3, Amount: JPY allows at most 0 decimal places (100.50)"
    assert lines[-1] == "3 rows (0 valid, 3 with problems); total JPY 601.50 over 3 rows"
    code, _, err = run(capsys, str(path), "--currency", "XYZ")
    assert code == 2 and "--currency: must be an ISO 4217 currency code" in err


def test_currency_column_and_arabic_headings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = run(capsys, str(write_arabic_csv(tmp_path)))
    assert code == 1
    assert "row 7, المبلغ: BHD allows at most 3 decimal places (10.1234)" in lines
    assert lines[-1] == "6 rows (3 valid, 3 with problems); total BHD 3,060.7484 over 6 rows"


def test_missing_column_said_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "short.csv"
    path.write_text(f"Name,IBAN,Amount\nAhmad,{kw_iban(1)},10\n", encoding="utf-8")
    code, lines, _ = run(capsys, str(path))
    assert code == 1
    assert (
        "missing column, E-mail: is required and no column is headed for it "
        "(1 row without it)" in lines
    )
    assert not any(line.startswith("row 2, beneficiary_email") for line in lines)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("missing.xlsx", None, "no such file"),
        ("broken.xlsx", b"PK\x03\x04garbage", "broken.xlsx: not a readable XLSX workbook"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "save it as .xlsx"),
        ("empty.csv", b"", "the sheet is empty"),
    ],
)
def test_unreadable_file_exits_2_with_the_reason(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes | None,
    reason: str,
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    code, lines, err = run(capsys, str(path))
    assert code == 2 and lines == []
    assert reason in err and "Traceback" not in err


def test_as_a_real_command(tmp_path: Path) -> None:
    """The installed entry point, as a script would run it: output, status, no traceback."""
    path = write_payroll_xlsx(tmp_path)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-m", "clickpay_desk", "payouts", "check", str(path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert "row 8, IBAN No.: has wrong check digits" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("18 rows (6 valid, 12 with problems)")
    missing = subprocess.run(
        [sys.executable, "-m", "clickpay_desk", "payouts", "check", str(tmp_path / "no.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert missing.returncode == 2
    assert "no such file" in missing.stderr and "Traceback" not in missing.stderr
    helped = subprocess.run(
        [sys.executable, "-m", "clickpay_desk", "payouts", "check", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert "warnings alone never give 1" in " ".join(helped.stdout.split())
