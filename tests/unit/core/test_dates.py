"""Date rules: aware instants only; PT2 activation later than now; expiry/due after activation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from clickpay_desk.core.dates import (
    geidea_date_violations,
    geidea_instant,
    parse_geidea_date,
    parse_wire_datetime,
    pt2_invoice_date_violations,
    require_aware_now,
)
from clickpay_desk.core.rules import ValidationError

RIYADH = timezone(timedelta(hours=3))
DUBAI = timezone(timedelta(hours=4))
NOW = datetime(2021, 9, 5, 10, 0, tzinfo=UTC)


def fields(violations: list) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in violations]


def test_parse_wire_datetime_reads_the_reference_format() -> None:
    parsed = parse_wire_datetime("2021-09-05T15:58:20+04:00", "invoice.activation_date")
    assert parsed == datetime(2021, 9, 5, 11, 58, 20, tzinfo=UTC)
    assert parse_wire_datetime("2021-12-02T12:58:00Z", "x").utcoffset() == timedelta(0)
    aware = datetime(2021, 9, 5, tzinfo=RIYADH)
    assert parse_wire_datetime(aware, "x") is aware


@pytest.mark.parametrize(
    "value",
    ["2021-09-05T15:58:20", "2021-09-05", "05/09/2021", "tomorrow", "", 1630850300, None,
     datetime(2021, 9, 5, 15, 58)],
)  # fmt: skip
def test_parse_wire_datetime_refuses_naive_and_garbage(value: object) -> None:
    with pytest.raises(ValidationError) as err:
        parse_wire_datetime(value, "invoice.expiry_date")
    assert [v.field for v in err.value.violations] == ["invoice.expiry_date"]


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        require_aware_now(datetime(2021, 9, 5))
    with pytest.raises(ValueError):
        pt2_invoice_date_violations(datetime(2021, 9, 5), None, None, None)
    with pytest.raises(ValueError):
        geidea_date_violations(datetime(2021, 9, 5), None, None)


def test_pt2_sample_dates_are_fine_before_activation() -> None:
    activation = datetime(2021, 9, 5, 15, 58, 20, tzinfo=DUBAI)
    expiry = datetime(2021, 9, 27, 13, 33, tzinfo=DUBAI)
    due = datetime(2021, 9, 26, 12, 36, tzinfo=DUBAI)
    assert pt2_invoice_date_violations(NOW, activation, expiry, due) == []


def test_activation_after_today_means_a_later_instant() -> None:
    # Later the same day is fine (a later instant), a minute ago is not, and "now" is not.
    later_today = NOW + timedelta(hours=2)
    assert pt2_invoice_date_violations(NOW, later_today, None, None) == []
    for value in (NOW - timedelta(minutes=1), NOW):
        found = fields(pt2_invoice_date_violations(NOW, value, None, None))
        assert len(found) == 1
        assert found[0][0] == "invoice.activation_date"
        assert found[0][1].startswith("must be later than now")


def test_activation_compares_instants_across_offsets() -> None:
    # 12:30 in Dubai is 08:30 UTC: before 10:00 UTC even though the wall clock says later.
    dubai = datetime(2021, 9, 5, 12, 30, tzinfo=DUBAI)
    assert [v.field for v in pt2_invoice_date_violations(NOW, dubai, None, None)] == [
        "invoice.activation_date"
    ]
    riyadh = datetime(2021, 9, 5, 13, 30, tzinfo=RIYADH)  # 10:30 UTC
    assert pt2_invoice_date_violations(NOW, riyadh, None, None) == []


def test_expiry_and_due_must_follow_activation() -> None:
    activation = NOW + timedelta(days=1)
    found = fields(
        pt2_invoice_date_violations(NOW, activation, activation, activation - timedelta(hours=1))
    )
    assert found == [
        ("invoice.expiry_date", "must be later than activation_date"),
        ("invoice.due_date", "must be later than activation_date"),
    ]


def test_expiry_and_due_without_activation_must_be_in_the_future() -> None:
    found = fields(pt2_invoice_date_violations(NOW, None, NOW - timedelta(days=1), NOW))
    assert found == [
        ("invoice.expiry_date", "must be later than now"),
        ("invoice.due_date", "must be later than now"),
    ]
    assert pt2_invoice_date_violations(NOW, None, NOW + timedelta(days=1), None) == []


def test_without_now_only_order_is_checked() -> None:
    past = datetime(2000, 1, 1, tzinfo=UTC)
    assert pt2_invoice_date_violations(None, past, past + timedelta(days=1), None) == []
    assert [v.field for v in pt2_invoice_date_violations(None, past, past, None)] == [
        "invoice.expiry_date"
    ]


def test_naive_field_values_become_violations() -> None:
    naive = datetime(2021, 9, 6, 12, 0)
    found = pt2_invoice_date_violations(NOW, naive, None, naive)
    assert [v.field for v in found] == ["invoice.activation_date", "invoice.due_date"]
    assert all("UTC offset" in v.rule for v in found)


def test_geidea_dates() -> None:
    assert parse_geidea_date("2024-05-10", "expiryDate") == date(2024, 5, 10)
    assert parse_geidea_date("2023-07-26T12:32:44.5226275Z", "expiryDate") == datetime(
        2023, 7, 26, 12, 32, 44, 522627, tzinfo=UTC
    )
    assert geidea_instant(date(2024, 5, 10)) == datetime(2024, 5, 10, tzinfo=UTC)
    for bad in ("2024-05-10T10:00:00", "10/05/2024", "", 20240510, datetime(2024, 5, 10)):
        with pytest.raises(ValidationError) as err:
            parse_geidea_date(bad, "expiryDate")
        assert err.value.violations[0].field == "expiryDate"


def test_geidea_expiry_after_activation_and_now() -> None:
    now = datetime(2024, 3, 18, 12, 36, tzinfo=UTC)
    # the reference sample: activation today (00:00 UTC, already past) is fine
    assert geidea_date_violations(now, date(2024, 3, 18), date(2024, 5, 10)) == []
    assert fields(geidea_date_violations(now, date(2024, 5, 10), date(2024, 5, 10))) == [
        ("expiryDate", "must be later than activationDate")
    ]
    found = fields(geidea_date_violations(now, None, date(2024, 3, 18)))
    assert [f for f, _ in found] == ["expiryDate"]  # 00:00 UTC today is already past
    assert geidea_date_violations(now, None, None) == []
    naive = datetime(2024, 5, 10, 9, 0)
    assert [v.field for v in geidea_date_violations(now, naive, None)] == ["activationDate"]
