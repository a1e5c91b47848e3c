"""How soon ``make demo`` answers, and how soon its content is all there.

``make demo`` runs ``mlhive demo`` once the install is done; this starts the same command on a
fresh data folder and a free port and times, from the moment the process starts:

- the first ``GET /api/health`` that answers 200 (the README promises the server answers at
  once; the aim is well inside 60 s), and
- the ``[demo] ready`` line (every dataset processed, every baseline run evaluated, the model
  repositories made), which happens in the background while the pages already answer.

The anchor, measured in the same run: ``mlhive --version`` (a bare start of the command, the
floor of any start). A restart on the same folder is timed too: it loads nothing again.

Usage: python benchmarks/bench_demo_start.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

AIM_FIRST_ANSWER_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data_dir: Path) -> tuple[float, float]:
    """Seconds to the first health answer and to ``[demo] ready``."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "mlhive.cli.main", "demo", "--port", str(port),
         "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    ready: list[float] = []

    def watch() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            if line.startswith("[demo] ready"):
                ready.append(time.perf_counter() - started)

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    answered = None
    try:
        while answered is None or not ready:
            if process.poll() is not None:
                raise SystemExit(f"mlhive demo exited with {process.returncode}")
            if answered is None:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).is_success:
                        answered = time.perf_counter() - started
                except httpx.TransportError:
                    pass
            time.sleep(0.05)
    finally:
        process.terminate()
        process.wait(timeout=60)
        reader.join(timeout=30)
    return answered, ready[0]


def main() -> None:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mlhive.cli.main", "--version"], check=True)
    floor = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as tmp:
        first, loaded = start(Path(tmp) / "demo")
        again, reloaded = start(Path(tmp) / "demo")
    print(f"{'':34} {'seconds':>8}  {'vs mlhive --version':>20}  {'vs 60 s aim':>12}")
    for name, value in [
        ("first answer (fresh folder)", first),
        ("[demo] ready (fresh folder)", loaded),
        ("first answer (restart)", again),
        ("[demo] ready (restart)", reloaded),
    ]:
        print(
            f"{name:34} {value:8.2f}  {value / floor:19.1f}x  {value / AIM_FIRST_ANSWER_S:11.2f}x"
        )
    print(f"{'mlhive --version (anchor)':34} {floor:8.2f}")


if __name__ == "__main__":
    main()
