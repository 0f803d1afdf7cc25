"""`gradspec audit --scheduler ADDRESS`: the search's truth chunks as Dask distributed tasks.

    with connected("tcp://10.0.0.5:8786") as client:      # or a distributed.LocalCluster's address
        audit(..., search=100_000, scheduler=client)

An audit's search evaluates its exact truth in chunks of points (check.numeric.fast_truth: interval
arithmetic, CHUNK points a chunk); with a scheduler each chunk is a task on the Dask cluster — the
interval function sent as its source text, compiled once per worker — gathered in order, so the
results are those of the local run for the same seed (the same chunks, the same arithmetic; the
implementation itself and the arb fallback run here).  Without one, local runs use the machine's
cores (forked processes).  Needs ``pip install 'gradspec[dask]'`` (dask and distributed); nothing
imports them unless a scheduler is asked for.
"""
from __future__ import annotations

import contextlib
import importlib.util

from spec.errors import GradspecError, lines

#: Seconds to wait for the scheduler to answer before the audit stops with a clear error.
CONNECT_SECONDS = 20


@contextlib.contextmanager
def connected(address: str):
    """A distributed.Client of the scheduler at ``address`` for the block, closed after it; a clear
    GradspecError when Dask is not installed or nothing answers there."""
    if importlib.util.find_spec("distributed") is None:
        raise GradspecError(lines(f"gradspec: --scheduler {address[:80]}: Dask's distributed is not installed",
                                  "hint: pip install 'gradspec[dask]' (make installs it)"))
    from distributed import Client
    try:
        client = Client(address, timeout=CONNECT_SECONDS)
    except Exception as e:          # noqa: BLE001 — OSError, a timeout, a bad address; or distributed's own
        # failure to start its event-loop thread within its 10 s (an AssertionError, seen in a crowded process)
        raise GradspecError(lines(f"gradspec: --scheduler {address[:80]}: no Dask scheduler answered there "
                                  f"({type(e).__name__}: {str(e)[:120]})",
                                  "give the address `dask scheduler` prints, e.g. --scheduler tcp://10.0.0.5:8786"
                                  )) from None
    try:
        yield client
    finally:
        client.close()
