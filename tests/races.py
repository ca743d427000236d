"""The race-test harness: start several requests at the same moment and collect what came back.

Each callable runs in its own thread; a barrier releases them together, so they really overlap in
the database (PostgreSQL row locks, SQLite's write lock). Used wherever a rule must hold when two
people (or two clicks) act at once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def all_at_once(actions: Sequence[Callable[[], T]], timeout: float = 30) -> list[T]:
    """Run every action at the same moment; their results in the order given. An exception in any
    thread fails the test (raised here), rather than dying silently in the thread."""
    barrier = threading.Barrier(len(actions))
    results: list[T | None] = [None] * len(actions)
    errors: list[BaseException] = []

    def run(index: int, action: Callable[[], T]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = action()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index, action)) for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results  # type: ignore[return-value]
