"""A call on a thread of its own: its result, or its error, where it is taken."""

from __future__ import annotations

import threading

import pytest

from scoring.background import Background


def test_a_started_call_runs_on_another_thread_and_gives_its_result():
    ran_on: list[int] = []
    job = Background(lambda: ran_on.append(threading.get_ident()) or 42).start()
    assert job.result() == 42 and job.result() == 42
    assert ran_on != [threading.get_ident()] and len(ran_on) == 1


def test_a_call_never_started_runs_where_its_result_is_taken():
    ran_on: list[int] = []
    job = Background(lambda: ran_on.append(threading.get_ident()) or "done")
    assert job.result() == "done" and ran_on == [threading.get_ident()]


def test_the_calls_error_is_raised_where_its_result_is_taken():
    def fail() -> None:
        raise ValueError("坏了")

    job = Background(fail).start()
    with pytest.raises(ValueError, match="坏了"):
        job.result()
