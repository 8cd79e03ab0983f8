"""The invoice editor, used as a shop owner would: typing into cells and fields, pasting rows
from a spreadsheet, undoing, creating; totals and problems read off the screen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QLineEdit

from clickpay_desk.core.geidea_invoice import EInvoice
from clickpay_desk.core.invoice import Invoice
from clickpay_desk.core.profile import GatewayKind
from clickpay_desk.store.database import Store
from clickpay_desk.store.writer import StoreWriter
from clickpay_desk.ui.context import DeskContext
from clickpay_desk.ui.invoices.editor import InvoiceEditor
from clickpay_desk.ui.invoices.line_rules import LineColumn as C
from clickpay_desk.ui.invoices.lines_model import PROBLEM_ROLE
from clickpay_desk.ui.tasks import TaskRunner

GEIDEA_KEY = "a087f4ca-9890-407b-9c2f-7630836cc020"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def clickpay(desk, make_profile):
    return desk.store.save_profile(make_profile())


@pytest.fixture
def geidea(desk, make_profile):
    return desk.store.save_profile(
        make_profile(
            "Geidea shop",
            gateway=GatewayKind.GEIDEA,
            base_url="https://api.ksamerchant.geidea.net",
            merchant_id=GEIDEA_KEY,
            payout_account_id="",
        )
    )


def open_editor(qtbot, desk, profile) -> InvoiceEditor:
    editor = InvoiceEditor(desk)
    qtbot.addWidget(editor)
    editor.resize(1300, 850)
    editor.set_profile(profile)
    editor.show()
    qtbot.waitExposed(editor)
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow, timeout=3000)  # shortcuts need an active window
    return editor


def type_cell(qtbot, editor: InvoiceEditor, row: int, col: int, text: str) -> None:
    """Go to the cell, open its editor as F2 does, type, press Enter."""
    table = editor.table
    table.setFocus()
    table.setCurrentIndex(editor.model.index(row, col))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    # The cell's editor (offscreen windows are not always "active", so not found by focus).
    editors = [w for w in table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1, editors
    widget = editors[0]
    widget.selectAll()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        widget.insert(text)  # as an input method commits it (QTest types Latin keys only)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    # The delegate commits and closes its editor from the event loop, right after.
    qtbot.waitUntil(lambda: table.state() != QAbstractItemView.State.EditingState, timeout=2000)


def click_cell(qtbot, editor: InvoiceEditor, row: int, col: int) -> None:
    """Click a cell: the table gets the keyboard focus (and the table's shortcuts)."""
    table = editor.table
    rect = table.visualRect(editor.model.index(row, col))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    table.setFocus()
    qtbot.waitUntil(table.hasFocus, timeout=2000)  # the window becomes active first


def type_field(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def fill_customer(qtbot, editor: InvoiceEditor) -> None:
    type_field(qtbot, editor.customer.edits["name"], "Ali Hassan")
    type_field(qtbot, editor.customer.edits["email"], "ali@example.com")
    type_field(qtbot, editor.description, "Website work")


def test_typing_quantities_and_prices_updates_the_total(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    type_cell(qtbot, editor, 0, C.DESCRIPTION, "Design")
    type_cell(qtbot, editor, 0, C.UNIT_COST, "1500")
    assert editor.totals.total_label.text() == "1,500.00 SAR"
    type_cell(qtbot, editor, 0, C.QUANTITY, "2")
    assert editor.totals.total_label.text() == "3,000.00 SAR"
    type_cell(qtbot, editor, 0, C.DISCOUNT, "10%")
    type_cell(qtbot, editor, 0, C.TAX, "15")
    # 3000 − 300 = 2700, + 15 % = 405 → 3105.00
    assert editor.totals.total_label.text() == "3,105.00 SAR"
    assert editor.model.data(editor.model.index(0, C.TAX_SUM)) == "405.00"
    # A second line in Arabic-Indic digits: ١٢٠٫٥٠ × ٢ = 241.00
    editor.add_line_action.trigger()
    type_cell(qtbot, editor, 1, C.UNIT_COST, "١٢٠٫٥٠")
    type_cell(qtbot, editor, 1, C.QUANTITY, "٢")
    assert editor.totals.total_label.text() == "3,346.00 SAR"
    assert editor.model.data(editor.model.index(1, C.UNIT_COST)) == "120.50"
    # Shipping typed beside the totals counts at once.
    type_field(qtbot, editor.totals.inputs["shipping"], "25")
    assert editor.totals.total_label.text() == "3,371.00 SAR"


def test_invalid_email_is_marked_and_create_says_why(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    fill_customer(qtbot, editor)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "100")
    assert editor.create_action.isEnabled(), editor.create_action.toolTip()

    type_field(qtbot, editor.customer.edits["email"], "ali@")
    email = editor.customer.edits["email"]
    assert "e-mail" in email.toolTip().lower()
    assert email.styleSheet()  # marked
    assert not editor.create_action.isEnabled()
    assert not editor.create_button.isEnabled()
    assert "E-mail" in editor.create_action.toolTip()
    assert "Cannot create yet" in editor.create_reason.text()
    qtbot.waitUntil(lambda: editor.problem_list.count() > 0, timeout=2000)
    assert "E-mail" in editor.problem_list.item(0).text()

    type_field(qtbot, email, "ali@example.com")
    assert editor.create_action.isEnabled()
    assert not email.styleSheet() and "valid" not in email.toolTip()


def test_a_bad_cell_is_marked_with_its_rule(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    fill_customer(qtbot, editor)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "9.999")  # SAR has 2 decimals
    index = editor.model.index(0, C.UNIT_COST)
    assert "2 decimal" in editor.model.data(index, Qt.ItemDataRole.ToolTipRole)
    assert editor.model.data(index, PROBLEM_ROLE)
    assert editor.model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
    assert not editor.create_action.isEnabled()
    assert "1 line(s) have problems" in editor.create_action.toolTip()
    type_cell(qtbot, editor, 0, C.UNIT_COST, "9.99")
    assert editor.model.data(index, PROBLEM_ROLE) is None
    assert editor.create_action.isEnabled()


def test_paste_fifty_rows_from_the_clipboard_is_one_undo_step(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    lines = [f"SKU-{i}\tItem {i}\t\t{i}.50\t2\t\t%\t15\t%" for i in range(1, 51)]
    QGuiApplication.clipboard().setText("\n".join(lines) + "\n")
    click_cell(qtbot, editor, 0, 0)
    qtbot.keyClick(editor.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.model.rowCount() == 50  # the empty first row made way
    assert editor.model.data(editor.model.index(49, C.DESCRIPTION)) == "Item 50"
    # Σ (i + 0.5) × 2 × 1.15 for i = 1..50 = (1275 + 25) × 2 × 1.15 = 2990.00
    assert editor.totals.total_label.text() == "2,990.00 SAR"
    assert editor.model.undo_stack.undoText() == "Paste 50 line(s)"
    qtbot.keyClick(editor.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.model.rowCount() == 1
    assert editor.totals.total_label.text() == "0.00 SAR"


def test_paste_with_a_header_row_maps_columns_by_name(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    editor.paste_text("Qty\tDescription\tPrice\tVAT %\n3\tPens\t2.00\t15\n1\tPaper\t10\t15\n")
    assert editor.model.rowCount() == 2
    assert editor.model.row_values(0)[C.DESCRIPTION] == "Pens"
    # (6 + 10) × 1.15 = 18.40
    assert editor.totals.total_label.text() == "18.40 SAR"


def test_undo_and_redo_of_typed_cells(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "10")
    type_cell(qtbot, editor, 0, C.QUANTITY, "3")
    assert editor.totals.total_label.text() == "30.00 SAR"
    table = editor.table
    click_cell(qtbot, editor, 0, C.SKU)
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.totals.total_label.text() == "10.00 SAR"
    assert editor.model.row_values(0)[C.QUANTITY] == "1"
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.totals.total_label.text() == "0.00 SAR"
    qtbot.keyClick(table, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(table, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert editor.totals.total_label.text() == "30.00 SAR"
    # Rows: duplicate, move and delete are undoable too.
    editor.duplicate_action.trigger()
    assert editor.totals.total_label.text() == "60.00 SAR"
    click_cell(qtbot, editor, 1, C.SKU)
    qtbot.keyClick(table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert editor.model.rowCount() == 1
    assert editor.totals.total_label.text() == "30.00 SAR"
    qtbot.keyClick(table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert editor.model.rowCount() == 2
    # Deleting every line leaves one empty line; one undo brings them all back.
    editor.table.selectAll()
    editor.delete_lines_action.trigger()
    assert editor.model.rowCount() == 1 and editor.totals.total_label.text() == "0.00 SAR"
    editor.model.undo_stack.undo()
    assert editor.model.rowCount() == 2 and editor.totals.total_label.text() == "60.00 SAR"


def test_create_hands_a_checked_core_invoice_to_the_tab(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    fill_customer(qtbot, editor)
    type_cell(qtbot, editor, 0, C.DESCRIPTION, "Design")
    type_cell(qtbot, editor, 0, C.UNIT_COST, "100")
    type_cell(qtbot, editor, 0, C.TAX, "15")
    with qtbot.waitSignal(editor.create_requested) as blocker:
        qtbot.keyClick(editor.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    invoice = blocker.args[0]
    assert isinstance(invoice, Invoice)
    assert invoice.cart_amount == Decimal("115.00")
    assert invoice.customer is not None and invoice.customer.email == "ali@example.com"
    assert invoice.profile_id == 44537
    assert not editor.create_action.isEnabled()  # busy until the tab answers
    cart_id = editor.cart_id.text()
    editor.creation_finished(True)
    assert editor.model.filled_count() == 0
    assert editor.cart_id.text() != cart_id  # a new number for the next one


def test_geidea_form_totals_and_types(qtbot, desk, geidea):
    editor = open_editor(qtbot, desk, geidea)
    assert editor.table.isColumnHidden(C.URL)
    assert not editor.customer.edits["street"].isVisibleTo(editor)
    type_field(qtbot, editor.customer.edits["name"], "Sara")
    type_field(qtbot, editor.customer.edits["phone"], "+966501234567")
    type_cell(qtbot, editor, 0, C.DESCRIPTION, "Box")
    type_cell(qtbot, editor, 0, C.UNIT_COST, "100")
    type_cell(qtbot, editor, 0, C.QUANTITY, "2")
    type_cell(qtbot, editor, 0, C.DISCOUNT, "10%")
    type_cell(qtbot, editor, 0, C.TAX, "15%")
    # per unit: 100 − 10 = 90, + 13.50 = 103.50; × 2 = 207.00
    assert editor.totals.total_label.text() == "207.00 SAR"
    # An invoice discount of 5 % of the subtotal: 207 − 10.35 = 196.65
    editor.totals.types["extra_discount"].setCurrentText("%")
    type_field(qtbot, editor.totals.inputs["extra_discount"], "5")
    assert editor.totals.total_label.text() == "196.65 SAR"
    # A fixed tax per unit instead: 90 + 5 = 95 × 2 = 190 − 5 % = 180.50
    type_cell(qtbot, editor, 0, C.TAX, "5")
    editor.model.setData(editor.model.index(0, C.TAX_TYPE), "Amount")
    assert editor.totals.total_label.text() == "180.50 SAR"
    with qtbot.waitSignal(editor.create_requested) as blocker:
        editor.create_action.trigger()
    einvoice = blocker.args[0]
    assert isinstance(einvoice, EInvoice)
    assert einvoice.amount == Decimal("180.50")
    assert einvoice.customer is not None
    assert einvoice.customer.phone_country_code == "+966"


def test_drafts_survive_a_restart(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    fill_customer(qtbot, editor)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "42")
    with qtbot.waitSignal(editor.drafts.saved, timeout=5000):
        pass
    key = editor.drafts.key

    # A new Store, writer and runner on the same file, as after a restart.
    store = Store.open(desk.store.path)
    writer = StoreWriter(store)
    runner = TaskRunner(writer=writer)
    again = DeskContext(
        store=store,
        writer=writer,
        secrets=desk.secrets,
        paths=desk.paths,
        runner=runner,
        pool=desk.pool,
    )
    try:
        drafts = store.list_drafts("invoice")
        assert [d.key for d in drafts] == [key]
        assert drafts[0].data["total"] == "42.00"
        fresh = open_editor(qtbot, again, store.get_profile(clickpay.id))
        qtbot.waitUntil(lambda: key in fresh.drafts_panel.model.draft_keys(), timeout=3000)
        shown = fresh.drafts_panel.model.data(fresh.drafts_panel.model.index(0))
        assert "Website work for Ali Hassan" in shown and "42.00 SAR" in shown
        fresh.drafts_panel.view.setCurrentIndex(fresh.drafts_panel.model.index(0))
        fresh.drafts_panel.view.activated.emit(fresh.drafts_panel.model.index(0))
        qtbot.waitUntil(lambda: fresh.totals.total_label.text() == "42.00 SAR", timeout=3000)
        assert fresh.customer.edits["email"].text() == "ali@example.com"
        assert fresh.cart_id.text() == editor.cart_id.text()
    finally:
        runner.shutdown(3000)
        writer.close()
        store.close()


def test_lines_model_passes_the_model_tester(qtbot, qtmodeltester, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    model = editor.model
    qtmodeltester.check(model, force_py=True)
    editor.paste_text("A\tOne\t\t1\t1\nB\tTwo\t\t2\t2\nC\tThree\t\t3\t3\n")
    model.setData(model.index(1, C.QUANTITY), "5")
    model.move(0, 1)
    model.delete_rows([2])
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert model.rowCount() == 3
    qtmodeltester.check(model, force_py=True)


def test_duplicate_from_a_created_invoice(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    payload = {
        "cart_id": "OLD-1",
        "cart_description": "Monthly service",
        "cart_currency": "SAR",
        "cart_amount": "230.00",
        "customer_details": {"name": "Ali", "email": "ali@example.com"},
        "invoice": {
            "line_items": [
                {"description": "Service", "unit_cost": "100.00", "quantity": 2, "tax_rate": "15"}
            ]
        },
    }
    editor.duplicate_from(payload)
    assert editor.totals.total_label.text() == "230.00 SAR"
    assert editor.cart_id.text() != "OLD-1"
    assert editor.description.text() == "Monthly service"


def open_cell_editor(qtbot, editor: InvoiceEditor, row: int, col: int) -> QLineEdit:
    table = editor.table
    table.setFocus()
    table.setCurrentIndex(editor.model.index(row, col))
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editors = [w for w in table.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1
    return editors[0]


def test_totals_follow_each_keystroke_and_typing_is_one_undo_step(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    cell = open_cell_editor(qtbot, editor, 0, C.UNIT_COST)
    qtbot.keyClicks(cell, "12")
    assert editor.totals.total_label.text() == "12.00 SAR"  # before Enter
    qtbot.keyClicks(cell, "5.5")
    assert editor.totals.total_label.text() == "125.50 SAR"
    assert cell.text() == "125.5"  # what was typed stays as typed while typing
    qtbot.keyClick(cell, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.table.state() != QAbstractItemView.State.EditingState)
    assert editor.model.undo_stack.count() == 1
    editor.model.undo_stack.undo()
    assert editor.totals.total_label.text() == "0.00 SAR"


def test_tab_walks_the_cells_to_type_and_adds_a_line_at_the_end(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    type_cell(qtbot, editor, 0, C.DESCRIPTION, "Pens")
    click_cell(qtbot, editor, 0, C.TAX_TYPE)
    qtbot.keyClick(editor.table, Qt.Key.Key_Tab)
    # The computed figures are skipped: the next cell is the first of a new line.
    assert editor.model.rowCount() == 2
    assert editor.table.currentIndex().row() == 1
    assert editor.table.currentIndex().column() == C.SKU
    qtbot.keyClick(editor.table, Qt.Key.Key_Backtab)
    assert (editor.table.currentIndex().row(), editor.table.currentIndex().column()) == (
        0,
        C.TAX_TYPE,
    )


def test_import_lines_from_an_xlsx_file_in_a_worker(qtbot, desk, clickpay, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "lines.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Description", "Qty", "Unit price", "VAT %"])
    for i in range(1, 21):
        ws.append([f"Item {i}", 2, 10.5, 15])
    wb.save(path)
    editor = open_editor(qtbot, desk, clickpay)
    editor.import_file(path)
    qtbot.waitUntil(lambda: editor.model.rowCount() == 20, timeout=5000)
    # 20 × 21.00 × 1.15 = 483.00
    assert editor.totals.total_label.text() == "483.00 SAR"
    assert "Import from lines.xlsx" in editor.model.undo_stack.undoText()
    assert "header row" in editor.status.text()

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"nope")
    editor.import_file(bad)
    qtbot.waitUntil(lambda: "Could not import bad.xlsx" in editor.status.text(), timeout=5000)
    assert editor.model.rowCount() == 20


def test_saved_customers_and_items_are_offered_again(qtbot, desk, clickpay):
    from clickpay_desk.store.catalog import SavedCustomer, SavedItem

    desk.store.save_customer(
        SavedCustomer("Noura Saleh", "noura@example.com", "+966500000001", country="SA")
    )
    desk.store.save_items(
        [SavedItem("SAR", Decimal("49.90"), sku="MUG", description="Mug", tax="15")]
    )
    editor = open_editor(qtbot, desk, clickpay)
    qtbot.waitUntil(lambda: editor.customers_model.rowCount() == 1, timeout=3000)
    qtbot.waitUntil(lambda: editor.items_model.rowCount() == 1, timeout=3000)

    name = editor.customer.edits["name"]
    type_field(qtbot, name, "nou")
    completer = name.completer()
    qtbot.waitUntil(lambda: completer.completionCount() == 1, timeout=2000)
    completer.activated.emit(completer.currentCompletion())
    assert editor.customer.edits["email"].text() == "noura@example.com"
    assert editor.customer.country.code() == "SA"

    type_cell(qtbot, editor, 0, C.SKU, "MUG")
    assert editor.model.row_values(0)[C.DESCRIPTION] == "Mug"
    assert editor.totals.total_label.text() == "57.39 SAR"  # 49.90 + 15 %

    # A created invoice remembers its customer and items.
    type_field(qtbot, editor.customer.edits["name"], "Omar")
    type_field(qtbot, editor.customer.edits["email"], "omar@example.com")
    type_field(qtbot, editor.description, "Mugs")
    editor.create_action.trigger()
    editor.creation_finished(True)
    qtbot.waitUntil(lambda: editor.customers_model.rowCount() == 2, timeout=3000)
    assert {c.name for c in desk.store.list_customers()} == {"Noura Saleh", "Omar"}


def test_a_used_cart_id_is_refused_and_another_suggested(qtbot, desk, clickpay):
    from clickpay_desk.core.profile import GatewayKind as Kind
    from clickpay_desk.store.records import InvoiceRecord

    editor = open_editor(qtbot, desk, clickpay)
    desk.store.upsert_invoice(
        InvoiceRecord(
            id=None,
            profile_id=clickpay.id,
            gateway=Kind.CLICKPAY,
            cart_id="INV-7",
            remote_id="IV-1",
            link=None,
            currency="SAR",
            amount=Decimal("1.00"),
            status="pending",
            payload={},
        )
    )
    editor2 = open_editor(qtbot, desk, clickpay)
    qtbot.waitUntil(lambda: "INV-7" in editor2._used_cart_ids, timeout=3000)
    type_field(qtbot, editor2.cart_id, "INV-7")
    assert "already used" in editor2.cart_id.toolTip()
    editor2.suggest_action.trigger()
    assert editor2.cart_id.text() != "INV-7"
    assert editor2.cart_id.toolTip() == "Your number for this invoice; unique for this profile"
    del editor


def test_duplicate_a_geidea_invoice_and_keep_its_number_for_an_update(qtbot, desk, geidea):
    from clickpay_desk.core.geidea_invoice import (
        AmountType,
        EInvoiceItem,
        GeideaCustomer,
        einvoice_to_wire,
    )

    sent = EInvoice(
        currency="SAR",
        items=(
            EInvoiceItem(
                price=Decimal("50.00"),
                quantity=2,
                description="Tea",
                tax=Decimal(15),
                tax_type=AmountType.PERCENTAGE,
            ),
        ),
        customer=GeideaCustomer(name="Sara", phone_country_code="+966", phone_number="501234567"),
        invoice_discount=Decimal(10),
        invoice_discount_type=AmountType.PERCENTAGE,
        merchant_reference_id="G-100",
        charge_description="Tea order",
    )
    payload = einvoice_to_wire(sent)
    editor = open_editor(qtbot, desk, geidea)
    editor._used_cart_ids.add("G-100")
    editor.duplicate_from(payload)
    # 2 × 57.50 = 115.00 − 10 % = 103.50
    assert editor.totals.total_label.text() == "103.50 SAR"
    assert editor.cart_id.text() != "G-100"
    assert editor.customer.edits["phone"].text() == "+966501234567"

    editor.duplicate_from(payload, keep_cart_id=True)
    assert editor.cart_id.text() == "G-100"
    assert "already used" not in editor.cart_id.toolTip()  # its own number is fine
    with qtbot.waitSignal(editor.create_requested) as blocker:
        editor.create_action.trigger()
    assert blocker.args[0].amount == Decimal("103.50")


def test_catalog_and_drafts_models_pass_the_model_tester(qtbot, qtmodeltester, desk):
    from datetime import UTC, datetime

    from clickpay_desk.store.catalog import SavedCustomer, SavedItem
    from clickpay_desk.store.records import Draft
    from clickpay_desk.ui.invoices.catalog import CustomersModel, ItemsModel
    from clickpay_desk.ui.invoices.drafts_panel import DraftsModel

    customers, items, drafts = CustomersModel(), ItemsModel(), DraftsModel()
    for model in (customers, items, drafts):
        qtmodeltester.check(model, force_py=True)
    customers.set_records([SavedCustomer("Ali", "ali@example.com"), SavedCustomer("Sara")])
    items.set_records([SavedItem("SAR", Decimal("9.50"), sku="PEN", tax="15")])
    now = datetime.now(UTC)
    drafts.set_drafts(
        [Draft("invoice", "k1", {"form": {"description": "Pens"}, "total": "9.50"}, now)]
    )
    for model in (customers, items, drafts):
        qtmodeltester.check(model, force_py=True)
    assert items.data(items.index(0, 3)) == "15 %"
    assert customers.find("ali").email == "ali@example.com"
    assert "Pens" in drafts.data(drafts.index(0))


def test_date_rules_are_shown_while_editing(qtbot, desk, clickpay):
    from PySide6.QtCore import QDateTime

    editor = open_editor(qtbot, desk, clickpay)
    fill_customer(qtbot, editor)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "10")
    assert editor.create_action.isEnabled()
    assert "later than now" in editor.date_rules.text()
    editor.activation.enabled.setChecked(True)
    editor.activation.edit.setDateTime(QDateTime.currentDateTime().addDays(-1))
    assert "later than now" in editor.activation.edit.toolTip()
    assert not editor.create_action.isEnabled()
    editor.activation.edit.setDateTime(QDateTime.currentDateTime().addDays(2))
    editor.expiry.enabled.setChecked(True)
    editor.expiry.edit.setDateTime(QDateTime.currentDateTime().addDays(1))
    assert "later than activation_date" in editor.expiry.edit.toolTip()
    editor.expiry.edit.setDateTime(QDateTime.currentDateTime().addDays(5))
    assert editor.create_action.isEnabled(), editor.create_action.toolTip()
    with qtbot.waitSignal(editor.create_requested) as blocker:
        editor.create_action.trigger()
    invoice = blocker.args[0]
    assert invoice.activation_date is not None and invoice.activation_date.tzinfo is not None


def test_another_profile_starts_a_new_invoice_and_keeps_the_draft(qtbot, desk, clickpay, geidea):
    editor = open_editor(qtbot, desk, clickpay)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "77")
    key = editor.drafts.key
    editor.set_profile(geidea)
    assert editor.totals.total_label.text() == "0.00 SAR"
    assert editor.drafts.key != key
    qtbot.waitUntil(lambda: desk.store.load_draft("invoice", key) is not None, timeout=3000)
    assert desk.store.load_draft("invoice", key).data["profile_id"] == clickpay.id
    editor.set_profile(desk.store.get_profile(clickpay.id))
    qtbot.waitUntil(lambda: key in editor.drafts_panel.model.draft_keys(), timeout=3000)


def test_delete_a_draft_from_the_list(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "5")
    first = editor.drafts.key
    editor.new_action.trigger()
    type_cell(qtbot, editor, 0, C.UNIT_COST, "6")
    qtbot.waitUntil(lambda: len(editor.drafts_panel.model.draft_keys()) == 2, timeout=4000)
    view = editor.drafts_panel.view
    row = editor.drafts_panel.model.row_of(first)
    assert not view.isVisible()  # the list is shown on request: the lines get its width
    qtbot.keyClick(editor.table, Qt.Key.Key_O, CTRL_SHIFT)
    assert view.isVisible()
    view.setCurrentIndex(editor.drafts_panel.model.index(row))
    qtbot.waitUntil(view.hasFocus, timeout=2000)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    keys = editor.drafts_panel.model.draft_keys
    qtbot.waitUntil(lambda: keys() == [editor.drafts.key], timeout=4000)
    assert desk.store.load_draft("invoice", first) is None
    assert editor.totals.total_label.text() == "6.00 SAR"  # the open invoice is untouched


def test_new_draft_with_a_prefill(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    editor.new_draft(
        {
            "description": "Deposit",
            "currency": "SAR",
            "amount": Decimal("250.00"),
            "customer": {"name": "Huda", "email": "huda@example.com", "country": "SA"},
        }
    )
    assert editor.totals.total_label.text() == "250.00 SAR"
    assert editor.description.text() == "Deposit"
    assert editor.customer.country.code() == "SA"
    assert editor.create_action.isEnabled(), editor.create_action.toolTip()
    with qtbot.waitSignal(editor.drafts.saved, timeout=5000):
        pass  # a prefilled draft is kept at once


def test_copy_cells_and_paste_one_value_into_the_current_cell(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    editor.paste_text("A\tPens\t\t2.5\t4\n")
    click_cell(qtbot, editor, 0, C.UNIT_COST)
    qtbot.keyClick(editor.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == "2.5"  # the value as typed, not "2.50"
    QGuiApplication.clipboard().setText("3")
    click_cell(qtbot, editor, 0, C.QUANTITY)
    qtbot.keyClick(editor.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert editor.model.rowCount() == 1
    assert editor.totals.total_label.text() == "7.50 SAR"


def test_geidea_asks_for_an_email_or_a_phone_in_words(qtbot, desk, geidea):
    editor = open_editor(qtbot, desk, geidea)
    email = editor.customer.edits["email"]
    said = "E-mail is missing: give an e-mail or a phone number"
    assert email.toolTip() == said
    qtbot.waitUntil(lambda: editor.problem_list.count() > 0, timeout=2000)
    texts = [editor.problem_list.item(i).text() for i in range(editor.problem_list.count())]
    assert said in texts
    assert not any("phoneNumber" in t or "either email" in t for t in texts), texts
    type_field(qtbot, editor.customer.edits["phone"], "+966501234567")
    assert not email.styleSheet() and email.toolTip() != said  # a phone number is enough


def test_all_problems_on_f8_and_enter_goes_to_the_field(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    assert not editor.problem_list.isVisible()  # the footer says the first ones
    assert "Cannot create yet" in editor.create_reason.text()
    qtbot.waitUntil(lambda: editor.problem_list.count() > 0, timeout=2000)
    qtbot.keyClick(editor.customer.edits["name"], Qt.Key.Key_F8)
    assert editor.problem_list.isVisible()
    assert editor.problems_toggle.text() == f"All problems ({editor.problem_list.count()})"
    qtbot.waitUntil(editor.problem_list.hasFocus, timeout=2000)
    row = next(
        i
        for i in range(editor.problem_list.count())
        if editor.problem_list.item(i).text().startswith("Description")
    )
    editor.problem_list.setCurrentRow(row)
    qtbot.keyClick(editor.problem_list, Qt.Key.Key_Return)
    qtbot.waitUntil(editor.description.hasFocus, timeout=2000)
    qtbot.keyClick(editor.description, Qt.Key.Key_F8)
    assert not editor.problem_list.isVisible()


def test_the_drafts_list_is_shown_and_hidden_by_its_button(qtbot, desk, clickpay):
    editor = open_editor(qtbot, desk, clickpay)
    type_cell(qtbot, editor, 0, C.UNIT_COST, "5")
    qtbot.waitUntil(lambda: editor.drafts_toggle.text() == "Drafts (1)", timeout=4000)
    assert not editor.drafts_panel.isVisible()
    width = editor.table.width()
    qtbot.mouseClick(editor.drafts_toggle, Qt.MouseButton.LeftButton)
    assert editor.drafts_panel.isVisible()
    qtbot.waitUntil(lambda: editor.table.width() < width, timeout=2000)
    qtbot.mouseClick(editor.drafts_toggle, Qt.MouseButton.LeftButton)
    assert not editor.drafts_panel.isVisible()
