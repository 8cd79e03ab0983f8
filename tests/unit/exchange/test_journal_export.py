"""The Activity view's export of the submission journal."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from clickpay_desk.exchange.journal_export import JOURNAL_COLUMNS, export_journal
from clickpay_desk.store.records import JournalEntry, JournalStatus

RIYADH = timezone(timedelta(hours=3), "AST")
T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
SECRETS = ("SKJNDLB9-SECRET-ONE", "SKJNDLB9-SECRET-TWO", "SKJNDLB9-SECRET-THREE", "tok-FOUR")


def entry(n: int, status: JournalStatus, **kw: Any) -> JournalEntry:
    values: dict[str, Any] = {
        "id": n,
        "profile_id": 1,
        "operation": "invoice.create",
        "subject": f"invoice:cart-{n}",
        "reference": f"cart-{n}",
        "request": {"cart_id": f"cart-{n}", "cart_amount": Decimal("100.00")},
        "status": status,
        "result": None,
        "error": None,
        "created_at": T0 + timedelta(minutes=n),
        "finished_at": None,
        "reconciled_at": None,
    }
    values.update(kw)
    return JournalEntry(**values)


ENTRIES = [
    entry(
        1,
        JournalStatus.DONE,
        result={"invoice_id": "2037", "invoice_link": "https://secure.clickpay.com.sa/p/2037"},
        finished_at=T0 + timedelta(minutes=1, seconds=2),
    ),
    entry(
        2,
        JournalStatus.UNKNOWN,
        profile_id=9,
        operation="payout.batch.close",
        subject="batch:7",
        reference="=batch-7",
        error="No answer within 30 s; the request may have reached the gateway.",
        finished_at=T0 + timedelta(minutes=2, seconds=30),
    ),
    entry(
        3,
        JournalStatus.NOT_DONE,
        profile_id=None,
        error="Could not connect",
        finished_at=T0 + timedelta(minutes=3),
        reconciled_at=T0 + timedelta(hours=1),
    ),
    entry(4, JournalStatus.PENDING),
]
PROFILES = {1: "Riyadh shop"}


def test_xlsx_export_has_the_activity_columns(tmp_path: Path) -> None:
    path = export_journal(ENTRIES, tmp_path / "activity.xlsx", profiles=PROFILES, tz=RIYADH)
    ws = load_workbook(path)["Activity"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "Time",
        "Profile",
        "Operation",
        "Subject",
        "Reference",
        "Status",
        "Outcome",
        "Finished",
        "Reconciled",
    )
    assert len(rows) == 5
    assert rows[1] == (
        datetime(2024, 5, 1, 12, 1),
        "Riyadh shop",
        "invoice.create",
        "invoice:cart-1",
        "cart-1",
        "done",
        "invoice_id: 2037; invoice_link: https://secure.clickpay.com.sa/p/2037",
        datetime(2024, 5, 1, 12, 1, 2),
        None,
    )
    assert rows[2][1] == "#9"  # a profile without a known name
    assert rows[2][4] == "=batch-7" and ws["E3"].data_type == "s"
    assert rows[2][5:7] == ("unknown", ENTRIES[1].error)
    assert rows[3][1] is None and rows[3][5] == "not done"
    assert rows[3][8] == datetime(2024, 5, 1, 13, 0)
    assert rows[4][5:] == ("pending", None, None, None)
    assert ws["A2"].is_date and ws["H2"].is_date
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:I5"


def test_csv_export(tmp_path: Path) -> None:
    path = export_journal(ENTRIES, tmp_path / "activity.csv", profiles=PROFILES, tz=RIYADH)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfTime,Profile,")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == [c.heading for c in JOURNAL_COLUMNS]
    assert rows[1][:2] == ["2024-05-01 12:01:00", "Riyadh shop"]
    assert rows[2][4] == "'=batch-7"


def test_unsupported_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.xlsx or \.csv"):
        export_journal(ENTRIES, tmp_path / "activity.json")


def _secretive() -> JournalEntry:
    return entry(
        5,
        JournalStatus.DONE,
        request={
            "authorization": SECRETS[0],
            "server_key": SECRETS[1],
            "cart_id": "cart-5",
        },
        result={
            "tran_ref": "TST2410100012345",
            "server_key": SECRETS[2],
            "nested": {"access_token": SECRETS[3], "code": "A"},
        },
    )


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_no_secret_ever_reaches_the_file(tmp_path: Path, suffix: str) -> None:
    path = export_journal([_secretive()], tmp_path / f"activity{suffix}")
    if suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            content = "".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    else:
        content = path.read_bytes().decode("utf-8-sig")
    for secret in SECRETS:
        assert secret not in content
    assert "authorization" not in content and "server_key" not in content
    assert "TST2410100012345" in content  # the harmless part of the result is still there


def test_outcome_never_contains_the_raw_request(tmp_path: Path) -> None:
    ws = load_workbook(export_journal([_secretive()], tmp_path / "a.xlsx"))["Activity"]
    values = [c.value for c in ws[2]]
    assert values[6] == 'tran_ref: TST2410100012345; nested: {"code": "A"}'
    assert not any(isinstance(v, str) and "cart_id" in v for v in values)


def test_secrets_inside_lists_of_objects_are_dropped_too(tmp_path: Path) -> None:
    listed = entry(
        6,
        JournalStatus.DONE,
        result={"entries": [{"entry_id": 52, "token": SECRETS[3]}, {"entry_id": 54}]},
    )
    ws = load_workbook(export_journal([listed], tmp_path / "a.xlsx"))["Activity"]
    outcome = ws["G2"].value
    assert SECRETS[3] not in outcome and "token" not in outcome
    assert outcome == 'entries: [{"entry_id": 52}, {"entry_id": 54}]'
