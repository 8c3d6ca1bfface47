"""A call on a thread of its own (后台计算), its result taken where it is needed.

numpy, Arrow, fastexcel and DuckDB let go of the GIL while they work, so a second call
running beside the first uses the machine's second core: an import counts and
fingerprints its rows while they are written; a year's recomputation reads last year's
warnings while this year's facts are read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Background"]

T = TypeVar("T")


class Background(Generic[T]):
    """A call run on a thread of its own once started, its result or its error taken
    where it is needed (the error raised there); a call never started runs there and
    then."""

    def __init__(self, call: Callable[[], T]) -> None:
        self._call = call
        self._out: list[tuple[T | None, BaseException | None]] = []
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Background[T]:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._out.append((self._call(), None))
        except BaseException as exc:  # raised again where the result is used
            self._out.append((None, exc))

    def result(self) -> T:
        if self._thread.ident is not None:
            self._thread.join()
        elif not self._out:
            self._run()
        value, exc = self._out[0]
        if exc is not None:
            raise exc
        return value  # type: ignore[return-value]  # set by a call that returned
