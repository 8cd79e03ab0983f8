"""The gateway watch: one check at a time, and answers about a profile no longer active dropped."""

from __future__ import annotations

import threading

from clickpay_desk.core.profile import GatewayKind, Profile
from clickpay_desk.services.connection import ConnectionVerdict
from clickpay_desk.ui.gateway_status import GatewayWatch
from clickpay_desk.ui.tasks import TaskRunner


def test_a_late_answer_for_the_previous_profile_neither_shows_nor_doubles_the_check(qtbot, secrets):
    shops = [
        Profile(name, GatewayKind.CLICKPAY, "https://x", "1", id=i) for i, name in enumerate("AB")
    ]
    gates = {p.name: threading.Event() for p in shops}
    asked: list[str] = []

    def probe(profile, secret, *, cancel=None):
        asked.append(profile.name)
        gates[profile.name].wait(5)  # a slow gateway that ignores the cancel flag
        return ConnectionVerdict(False, None, f"{profile.name} is down")

    runner = TaskRunner()
    watch = GatewayWatch(runner, secrets, interval_ms=3_600_000, probe=probe)
    try:
        watch.set_profile(shops[0])
        qtbot.waitUntil(lambda: asked == ["A"], timeout=3000)
        watch.set_profile(shops[1])
        qtbot.waitUntil(lambda: asked == ["A", "B"], timeout=3000)

        gates["A"].set()  # A's answer arrives after B became the active profile
        qtbot.waitUntil(lambda: len(runner.running()) == 1, timeout=3000)
        assert watch.text == "Gateway: checking…"  # not "A is down"
        watch.check_now()  # e.g. the timer: B's check still runs, so no second one starts
        assert len(runner.running()) == 1

        gates["B"].set()
        qtbot.waitUntil(lambda: watch.text == "Gateway: not answering — B is down", timeout=3000)
        assert asked == ["A", "B"]
    finally:
        for gate in gates.values():
            gate.set()
        runner.shutdown(3000)
