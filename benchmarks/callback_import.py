"""Importing a folder of signed callback (IPN) files into the local store.

Run: ``python benchmarks/callback_import.py [--files N]``.

* import: ``services.ipn_folder.import_folder`` over N signed follow-up callbacks of one
  agreement (each read, its signature verified, parsed, attached, recorded once in SQLite with
  ``synchronous=FULL``, and the file moved to ``imported/``), then the agreement's status.
* baseline, in the same run: reading, verifying and parsing the same files without the store.

The ratio says what the store (one committed transaction per callback) costs over the bare work.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.gateway.callbacks import parse_callback, sign, verify_signature
from clickpay_desk.services.agreements import AgreementStatus, read_callback_file
from clickpay_desk.services.ipn_folder import import_folder, pending, write_callback_file
from clickpay_desk.store.database import Store
from clickpay_desk.store.records import AgreementRecord

KEY = "bench-server-key"
SAMPLE = Path(__file__).resolve().parents[1] / "tests/fixtures/reference/002_ipn_followup.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    count = parser.parse_args().files
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "callbacks"
        template = json.loads(SAMPLE.read_text())
        for n in range(count):
            raw = json.dumps(dict(template, tran_ref=f"SFT24{n:011d}")).encode()
            write_callback_file(folder, raw, sign(raw, KEY), f"ipn-{n:06d}")

        started = time.perf_counter()
        for path in pending(folder):
            raw, signature = read_callback_file(path)
            assert verify_signature(raw, signature, KEY)
            parse_callback(raw)
        baseline = time.perf_counter() - started

        with Store.open(root / "desk.sqlite3") as store:
            profile = store.save_profile(
                Profile("Bench", GatewayKind.CLICKPAY, "https://secure.clickpay.com.sa", "44537")
            )
            agreement = {
                "agreement_description": "Bench",
                "agreement_currency": "SAR",
                "initial_amount": "1.00",
                "repeat_amount": "1.00",
                "repeat_terms": 0,
                "repeat_period": 1,
                "repeat_every": 1,
                "first_installment_due_date": "22/05/2024",
            }
            assert profile.id is not None
            store.upsert_agreement(
                AgreementRecord(
                    None,
                    profile.id,
                    "Test#1001",
                    "SFT2415409825504",
                    None,
                    "SAR",
                    Decimal("1.00"),
                    AgreementStatus.AWAITING,
                    {"request": {"agreement": agreement}, "start_date": "2024-05-20"},
                )
            )
            started = time.perf_counter()
            report = import_folder(store, profile, folder, server_key=KEY)
            measured = time.perf_counter() - started
            assert report.attached == count, report.summary()

    per = 1000 / count
    print(f"{count} signed callback files")
    print(f"  baseline (read, verify, parse): {baseline:.3f} s ({baseline * per:.2f} ms/file)")
    print(f"  import into the store:          {measured:.3f} s ({measured * per:.2f} ms/file)")
    print(f"  ratio import / baseline:        {measured / baseline:.1f}x")


if __name__ == "__main__":
    main()
