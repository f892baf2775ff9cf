"""A return, or a recall answer, is worked on once at a time per key, within a bound."""

from __future__ import annotations

import pytest

from lintas.domain.errors import Conflict
from lintas.services import returns
from lintas.services.returns import _OneAtATime


def _busy() -> Conflict:
    return Conflict("busy", "already being worked on")


def test_a_key_held_is_refused_until_it_is_released() -> None:
    guard: _OneAtATime[str] = _OneAtATime()
    with guard.hold("a", _busy):
        with pytest.raises(Conflict) as refused, guard.hold("a", _busy):
            pass
        assert refused.value.reason == "busy"
        with guard.hold("b", _busy):  # Another key is not held up.
            pass
    with guard.hold("a", _busy):  # Released, even though a claim inside was refused.
        pass


def test_a_key_is_released_when_the_work_fails() -> None:
    guard: _OneAtATime[str] = _OneAtATime()
    with pytest.raises(RuntimeError), guard.hold("a", _busy):
        raise RuntimeError("the return failed")
    with guard.hold("a", _busy):
        pass


def test_no_more_keys_than_the_bound_are_held(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(returns, "RETURNS_IN_FLIGHT_MAX", 2)
    guard: _OneAtATime[int] = _OneAtATime()
    with guard.hold(1, _busy), guard.hold(2, _busy):
        refused = pytest.raises(Conflict)
        with refused, guard.hold(3, _busy):
            pass
    with guard.hold(3, _busy):
        pass
