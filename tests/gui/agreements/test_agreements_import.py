"""Callback import from the tab: a tampered paste is refused with a clear message, a malformed
file is refused and nothing changes, and a folder of 1,000 callback files is imported while the
window keeps answering (a 10 ms heartbeat on the GUI thread keeps ticking)."""

from __future__ import annotations

import json
import os
import time
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from pytestqt.modeltest import ModelTester

from clickpay_desk.gateway.callbacks import sign
from clickpay_desk.services.agreements import AgreementStatus, ImportOutcome
from clickpay_desk.services.ipn_folder import FolderReport, write_callback_file
from clickpay_desk.store.records import AgreementRecord
from clickpay_desk.ui.agreements import AgreementsTab
from clickpay_desk.ui.mutations import Mutations

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "reference"
KEY = "SJJN9RLGZT-JDKJKHNMJ-WWGN6Z2RJL"
COUNT = 1000
#: A GUI thread that waited for the import would stall for seconds; the bound leaves room for a
#: loaded 2-core CI machine.
MAX_GAP = 0.250


def _request(terms: int) -> dict:
    return {
        "cart_description": "Water delivery",
        "customer_details": {"name": "Sara", "email": "sara@example.com", "country": "SA"},
        "agreement": {
            "agreement_description": "Water delivery",
            "agreement_currency": "SAR",
            "initial_amount": "1.01",
            "repeat_amount": "1.00",
            "repeat_terms": terms,
            "repeat_period": 1,
            "repeat_every": 1,
            "first_installment_due_date": "22/05/2024",
        },
    }


def _tab(qtbot, request, desk, make_profile, merchant_id: str = "42781") -> AgreementsTab:
    profile = desk.store.save_profile(make_profile(merchant_id=merchant_id))
    desk.secrets.set_session_only(profile.secret_name, KEY)
    tab = AgreementsTab(desk, Mutations(desk.runner, desk.store))
    qtbot.addWidget(tab)
    for model in (tab.model, tab.proxy, tab.schedule):
        ModelTester(request.config).check(model, force_py=True)
    tab.set_profile(profile)
    return tab


def _agreement(desk, tab, cart_id: str, tran_ref: str, terms: int = 2) -> AgreementRecord:
    return desk.store.upsert_agreement(
        AgreementRecord(
            None,
            tab.profile.id,
            cart_id,
            tran_ref,
            None,
            "SAR",
            Decimal("1.01"),
            AgreementStatus.AWAITING,
            {"request": _request(terms), "start_date": "2024-05-20"},
        )
    )


def test_tampered_paste_is_refused_and_the_genuine_one_attaches(
    qtbot, request, desk, make_profile
) -> None:
    tab = _tab(qtbot, request, desk, make_profile)
    record = _agreement(desk, tab, "cart_11111", "TST2418600151667")
    raw = (FIXTURES / "002_ipn_initial.json").read_bytes()
    signature = sign(raw, KEY)

    dialog = tab.paste_callback()
    dialog.body.setPlainText(raw.decode().replace('"1.01"', '"101.00"', 1))
    dialog.signature.setText(signature)
    with qtbot.waitSignal(tab.imported, timeout=5000) as blocker:
        dialog.accept()
    [result] = blocker.args
    assert result.outcome is ImportOutcome.REFUSED
    assert "signature does not match" in tab.status_line.text()
    assert "Nothing was imported" in tab.status_line.text()
    assert desk.store.list_agreement_payments() == []

    with qtbot.waitSignal(tab.imported, timeout=15000) as blocker:
        tab.import_raw(raw, signature)
    [result] = blocker.args
    assert result.outcome is ImportOutcome.ATTACHED and result.agreement_row == record.id
    assert "3153" in tab.status_line.text()
    qtbot.waitUntil(
        lambda: tab.model.rowCount() == 1 and tab.model.view(0).status is AgreementStatus.ACTIVE,
        timeout=5000,
    )


def test_malformed_file_is_refused_and_nothing_changes(
    qtbot, request, desk, make_profile, tmp_path
) -> None:
    tab = _tab(qtbot, request, desk, make_profile)
    record = _agreement(desk, tab, "cart_11111", "TST2418600151667")
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"tran_ref": "TST2418600151667", "cart_id": ')
    with qtbot.waitSignal(tab.imported, timeout=5000) as blocker:
        tab.import_files([broken])
    [result] = blocker.args
    assert result.outcome is ImportOutcome.REFUSED
    assert "broken.json was refused: The callback body is not valid JSON" in tab.status_line.text()
    assert desk.store.list_agreement_payments() == []
    assert desk.store.get_agreement(record.id) == record


def test_a_folder_of_1000_callbacks_imports_without_blocking(
    qtbot, request, desk, make_profile, tmp_path
) -> None:
    tab = _tab(qtbot, request, desk, make_profile, merchant_id="44537")
    desk.secrets.delete(tab.profile.secret_name)  # unsigned files, nothing to confirm with
    record = _agreement(desk, tab, "Test#1001", "SFT2415409825504", terms=0)
    template = json.loads((FIXTURES / "002_ipn_followup.json").read_text())
    folder = tmp_path / "callbacks"
    for n in range(COUNT):
        body = dict(template, tran_ref=f"SFT24{n:011d}")
        body["payment_result"] = dict(
            template["payment_result"], transaction_time=f"2024-{5 + n // 400:02d}-01T06:00:00Z"
        )
        write_callback_file(folder, json.dumps(body).encode(), None, f"ipn-{n:05d}")
    malformed = write_callback_file(folder, b"{not json", None, "zz-malformed")
    old = time.time() - 60
    os.utime(malformed, (old, old))  # long written: not a file still being written

    ticks: list[float] = []
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: ticks.append(time.monotonic()))
    heartbeat.start()
    reports: list[FolderReport] = []
    tab.imported.connect(lambda r: reports.append(r) if isinstance(r, FolderReport) else None)
    started = time.monotonic()
    tab.watch_folder(folder, remember=False)
    qtbot.waitUntil(lambda: sum(r.total for r in reports) >= COUNT + 1, timeout=120000)
    elapsed = time.monotonic() - started
    heartbeat.stop()

    gaps = [b - a for a, b in pairwise(ticks)]
    print(
        f"\n{COUNT} callback files imported in {elapsed:.1f} s; "
        f"longest GUI-thread gap {max(gaps) * 1000:.0f} ms over {len(ticks)} ticks"
    )
    assert max(gaps) < MAX_GAP
    assert sum(r.attached for r in reports) == COUNT
    assert sum(r.refused for r in reports) == 1
    assert len(desk.store.list_agreement_payments(record.id)) == COUNT
    assert sorted(p.name for p in (folder / "refused").iterdir()) == [
        "zz-malformed.json",
        "zz-malformed.json.reason.txt",
    ]
    assert len(list((folder / "imported").glob("*.json"))) == COUNT
    assert "1000 recorded, 1 refused" in tab.status_line.text()
    qtbot.waitUntil(
        lambda: tab.model.rowCount() == 1 and len(tab.model.view(0).payments) == COUNT,
        timeout=20000,
    )
    assert tab.model.view(0).status is AgreementStatus.AWAITING  # no initial payment seen
