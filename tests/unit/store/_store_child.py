"""Child processes for the crash tests (run as a script, never collected by pytest).

python _store_child.py loop DB      write drafts and journal entries until killed,
                                    printing each one after its commit
python _store_child.py exit DB N    submit N writes to a StoreWriter and leave without close()
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal
from pathlib import Path

from clickpay_desk.store import JournalStatus, Store, StoreWriter


def loop(path: Path) -> None:
    store = Store.open(path)
    filler = "x" * 4000  # big enough that a kill often lands inside a write
    i = 0
    while True:
        key = f"draft-{i}"
        store.save_draft("invoice", key, {"i": i, "amount": Decimal("10.005"), "notes": filler})
        print(f"draft {key}", flush=True)
        entry = store.journal_begin(
            None, "invoice.create", f"invoice:{i}", f"cart-{i}", {"cart_amount": Decimal("10.005")}
        )
        print(f"journal {entry.id}", flush=True)
        if i % 2 == 0:
            store.journal_finish(entry.id, JournalStatus.DONE, {"invoice_id": i, "pad": filler})
            print(f"done {entry.id}", flush=True)
        i += 1


def exit_without_close(path: Path, count: int) -> None:
    store = Store.open(path)
    writer = StoreWriter(store)

    def slow_save(i: int) -> None:
        time.sleep(0.002)
        store.save_draft("exit", f"k{i}", {"i": i})

    for i in range(count):
        writer.submit(slow_save, i)
    print("submitted", flush=True)
    # No writer.close(), no store.close(): the interpreter exits here.


if __name__ == "__main__":
    mode, db = sys.argv[1], Path(sys.argv[2])
    if mode == "loop":
        loop(db)
    else:
        exit_without_close(db, int(sys.argv[3]))
