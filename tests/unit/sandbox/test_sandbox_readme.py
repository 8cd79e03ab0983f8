"""The sandbox README lists every endpoint the sandbox serves, with a curl example, and its
links lead somewhere in a checkout of the project."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clickpay_desk.sandbox import create_app
from clickpay_desk.sandbox.geidea import BASE_PATH

README = Path(__file__).resolve().parents[3] / "clickpay_desk" / "sandbox" / "README.md"
PAGES = ("/payment/request/invoice/", "/payment/page/", "/payment-intent/eInvoice/")


def _routes() -> list[tuple[str, str]]:
    """(method, template with {} for each parameter) of every gateway and page route."""
    app = create_app()
    found = []
    for route in app._gateway_routes:
        template = route.pattern.pattern.removeprefix("^").removesuffix("/?$")
        template = re.sub(r"\(\?P<\w+>\[\^/\]\+\)", "{}", template).replace("\\", "")
        found.append((route.method, template))
    return found


def _normal(text: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", text)


def test_every_endpoint_is_listed_with_its_method() -> None:
    raw = README.read_text(encoding="utf-8").splitlines()
    lines = [_normal(line) for line in raw]
    missing = []
    for method, template in _routes():
        path = template
        if template.startswith(BASE_PATH) and template != BASE_PATH:
            path = template[len(BASE_PATH) :]
        if template == BASE_PATH:
            listed = any(f"| `{method}" in line for line in raw)
        elif template.startswith(PAGES):
            listed = any(path in line for line in lines)
        else:
            listed = any(path in line and method in line for line in lines if line.startswith("|"))
        if not listed:
            missing.append(f"{method} {template}")
    assert missing == []


@pytest.mark.parametrize("method, template", _routes())
def test_every_endpoint_has_a_curl_example(method: str, template: str) -> None:
    curls = [line for line in README.read_text(encoding="utf-8").splitlines() if "curl " in line]
    if template.startswith(PAGES):
        assert any("$LINK" in line for line in curls)
        return
    if template.startswith(BASE_PATH):
        prefix, rest = r"\$E", template[len(BASE_PATH) :]
    else:
        prefix, rest = r"\$S", template
    pattern = re.compile(
        prefix + re.escape(rest).replace(r"\{\}", r"[^/\s\"']+") + r"(?=[\s\"'?]|$)", re.IGNORECASE
    )
    assert any(pattern.search(line) for line in curls), f"no curl example for {method} {template}"


def test_links_lead_somewhere_in_the_checkout() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)\)", text)
    local = [t for t in targets if not t.startswith(("http://", "https://"))]
    assert local  # the README does point into the project
    broken = [t for t in local if not (README.parent / t).exists()]
    assert broken == []
