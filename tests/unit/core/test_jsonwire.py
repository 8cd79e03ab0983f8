"""The fast paths of the JSON codec give exactly what the plain ones give."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clickpay_desk.core import jsonwire

flat_values = st.one_of(st.text(), st.integers(), st.booleans(), st.none())
flat_objects = st.dictionaries(st.text(), flat_values, max_size=8)
json_values = st.recursive(
    st.one_of(flat_values, st.decimals(allow_nan=False, allow_infinity=False, places=3)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)


def written_by_hand(value: Any) -> bytes:
    """What ``dumps`` writes, by the standard library's encoder (flat objects only)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@given(st.lists(flat_objects, max_size=4))
def test_flat_objects_are_written_as_the_standard_encoder_writes_them(
    value: list[dict[str, Any]],
) -> None:
    assert jsonwire.dumps(value) == written_by_hand(value)


def flat_by_hand(value: dict[str, Any]) -> bytes:
    """A flat object as ``dumps`` must write it: amounts in plain digits, never "1E+2"."""
    items = (
        json.dumps(k, ensure_ascii=False)
        + ":"
        + (f"{v:f}" if isinstance(v, Decimal) else json.dumps(v, ensure_ascii=False))
        for k, v in value.items()
    )
    return ("{" + ",".join(items) + "}").encode("utf-8")


@given(
    st.dictionaries(
        st.text(max_size=5),
        st.one_of(flat_values, st.decimals(allow_nan=False, allow_infinity=False)),
        max_size=6,
    )
)
def test_amounts_in_flat_objects_are_written_in_plain_digits(value: dict[str, Any]) -> None:
    assert jsonwire.dumps(value) == flat_by_hand(value)


def test_objects_with_amounts_or_nesting_are_written_exactly() -> None:
    value = {"amount": Decimal("9.50"), "nested": {"a": [1, 2], "b": True}}
    assert jsonwire.dumps(value) == b'{"amount":9.50,"nested":{"a":[1,2],"b":true}}'
    with pytest.raises(TypeError):
        jsonwire.dumps({"x": object()})
    with pytest.raises(TypeError):
        jsonwire.dumps({1: "x"})


@given(
    head=st.dictionaries(st.text(max_size=6).filter(lambda k: k != "requests"), json_values),
    listed=st.lists(json_values, max_size=12),
    keep=st.integers(0, 15),
)
def test_loads_tail_decodes_only_the_end_of_the_listing(
    head: dict[str, Any], listed: list[Any], keep: int
) -> None:
    raw = jsonwire.dumps({**head, "requests": listed})
    whole = jsonwire.loads(raw)
    tail = jsonwire.loads_tail(raw, "requests", keep)
    start = max(0, len(listed) - keep)
    assert {k: v for k, v in tail.items() if k != "requests"} == {
        k: v for k, v in whole.items() if k != "requests"
    }
    assert list(tail["requests"]) == whole["requests"][start:]
    assert tail["requests"].offset == start


@pytest.mark.parametrize(
    "raw",
    [
        # Broken inside an entry that is skipped, not decoded: still refused.
        b'{"batch_id": 1, "requests": [{"a": 1,}, {"a": 2}]}',
        b'{"batch_id": 1, "requests": [{"a": NaN}, {"a": 2}]}',
        b'{"batch_id": 1, "requests": [{"a": 1}, {"a": 2}]',  # cut off
        b'{"batch_id": 1, "requests": [{"a": 1}, {"a": 2}]} trailing',
        b'{"batch_id": 1, "requests": [{"a": "\x01"}, {"a": 2}]}',
    ],
)
def test_loads_tail_refuses_a_broken_document_anywhere(raw: bytes) -> None:
    with pytest.raises(jsonwire.JsonUnreadable):
        jsonwire.loads_tail(raw, "requests", 1)


@pytest.mark.parametrize(
    "raw",
    [
        b'[{"a": 1}]',
        b'{"requests": null, "total": 1.50}',
        b'{"requests": {"a": 1}}',
        '{"requests": [1, 2.5], "x": "é"}'.encode("utf-16"),
    ],
)
def test_loads_tail_reads_other_shapes_whole(raw: bytes) -> None:
    assert jsonwire.loads_tail(raw, "requests", 1) == jsonwire.loads(raw)


def test_loads_tail_keeps_amounts_exact() -> None:
    raw = b'{"total": 1250.500, "requests": [{"amount": 0.1}, {"amount": 1250.50}]}'
    answer = jsonwire.loads_tail(raw, "requests", 1)
    assert answer["total"] == Decimal("1250.500")
    assert answer["requests"] == [{"amount": Decimal("1250.50")}]
