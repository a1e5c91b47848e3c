"""The Dask cluster a worker submits units of work to (``MLHIVE_DASK_SCHEDULER``).

One :class:`distributed.Client` per scheduler address and process, made on first use and kept
(connecting costs a round trip and a thread); :func:`close_clients` releases them. Dask is the
``dask`` extra: :func:`client_for` says how to install it when it is missing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from mlhive.server.domain.errors import InvalidInput

if TYPE_CHECKING:
    from distributed import Client

_clients: dict[str, Client] = {}
_lock = threading.Lock()
CONNECT_SECONDS = 30.0
"""How long connecting to the scheduler may take before the unit fails."""


def client_for(address: str) -> Client:
    """The (cached) client of the scheduler at ``address``.

    Raises:
        InvalidInput: Dask is not installed (install the ``dask`` extra).
        OSError: the scheduler could not be reached within :data:`CONNECT_SECONDS`.
    """
    with _lock:
        client = _clients.get(address)
        if client is not None and client.status == "running":
            return client
        try:
            from distributed import Client
        except ImportError:
            raise InvalidInput(
                f"MLHIVE_DASK_SCHEDULER names a Dask scheduler ({address}) but Dask is not "
                "installed: pip install 'mlhive[dask]' on the server and its workers",
                setting="dask_scheduler",
            ) from None
        client = Client(address, set_as_default=False, timeout=CONNECT_SECONDS)
        _clients[address] = client
        return client


def close_clients() -> None:
    """Close every client this process made (a worker shutting down, a test's cluster)."""
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
