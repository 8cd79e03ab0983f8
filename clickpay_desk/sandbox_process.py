"""The built-in sandbox gateway in a process of its own, for ``clickpay-desk --sandbox``.

Why not a thread of the desk: the sandbox checks every request by the gateways' rules, in
Python, on as many as 16 server threads. In the desk's process they compete with the GUI thread
for the interpreter lock. While 1,000 invoice statuses refreshed, the window then stalled for
80–270 ms at a time (``benchmarks/startup.py``); in a process of its own, the sandbox runs on
the other core and the longest stall was 29–52 ms (the rest is full garbage collections).

The child is the same executable (``clickpay-desk --sandbox-server ...``; a packaged app has no
second program). It prints its address on its first line and serves until its standard input
closes: the desk holds the other end, so the sandbox ends with the desk, even one that was
killed. Qt-free and light: ``__main__`` imports the flag from here.
"""

from __future__ import annotations

import contextlib
import queue
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

#: The first argument that makes ``clickpay-desk`` run the sandbox server instead of the app.
SANDBOX_SERVER_FLAG = "--sandbox-server"
#: Seconds the desk waits for the sandbox to say where it listens (a cold start takes ~0.3 s).
READY_TIMEOUT = 30.0
_READY = re.compile(r"Sandbox listening on (http://\S+)")


def server_command() -> list[str]:
    """How to start the sandbox server with this very program, frozen or not."""
    if getattr(sys, "frozen", False):
        return [sys.executable, SANDBOX_SERVER_FLAG]
    return [sys.executable, "-m", "clickpay_desk", SANDBOX_SERVER_FLAG]


class SandboxProcess:
    """A sandbox server started by :meth:`spawn`: :meth:`wait_ready`, then ``base_url``."""

    def __init__(self, proc: subprocess.Popen[str], log_file: Path | None = None) -> None:
        self._proc = proc
        self._log_file = log_file
        self._first: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.base_url = ""
        reader = threading.Thread(target=self._read, name="sandbox-process-output", daemon=True)
        reader.start()

    @classmethod
    def spawn(
        cls, state_file: Path, *, port: int | None, seed: bool, log_file: Path | None = None
    ) -> SandboxProcess:
        """Start the server (it boots while the caller goes on); ``port`` is tried first."""
        command = [
            *server_command(),
            *("--host", "127.0.0.1", "--port", str(port or 0), "--or-any-port"),
            *("--state-file", str(state_file), "--until-stdin-closes"),
        ]
        if seed:
            command.append("--seed")
        errors: IO[bytes] | int = subprocess.DEVNULL
        if log_file is not None:
            with contextlib.suppress(OSError):
                errors = log_file.open("ab")
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                encoding="utf-8",
                # Windows: no console window for a GUI app's helper (0 elsewhere).
                creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0),
            )
        finally:
            if not isinstance(errors, int):
                errors.close()  # the child has its own copy
        return cls(proc, log_file)

    def _read(self) -> None:
        stream = self._proc.stdout
        assert stream is not None
        self._first.put(stream.readline())
        for _ in stream:  # keep the pipe drained, whatever the server prints later
            pass

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> str:
        """The server's address, once it listens. Raises ``OSError`` saying why not."""
        try:
            line = self._first.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise OSError(f"the sandbox gave no address within {timeout:.0f} s") from None
        match = _READY.search(line)
        if match is None:
            self.stop()
            code = self._proc.returncode
            raise OSError(
                "the sandbox stopped at start"
                + (f" (exit status {code})" if code is not None else "")
                + (f": its messages are in {self._log_file}" if self._log_file else "")
            )
        self.base_url = match.group(1)
        return self.base_url

    @property
    def server_port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        return self._proc.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """End the server: close its input (it writes its state and exits), else terminate it.
        Idempotent."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.terminate()
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
