"""Run callables at the same moment on real threads, each with its own database session.

A barrier releases every worker together so that their transactions overlap; each worker's result
or exception is returned in order, so a test can count winners and losers.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def run_together(*work: Callable[[], object]) -> list[object]:
    """Call every function at once; a raised exception is returned in its place."""
    barrier = threading.Barrier(len(work))

    def call(fn):
        barrier.wait()
        try:
            return fn()
        except Exception as e:  # the loser's refusal is a result the test inspects
            return e

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        return list(pool.map(call, work))
