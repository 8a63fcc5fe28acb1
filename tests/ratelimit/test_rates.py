"""Rates, windows and decisions: the arithmetic both backends share, with explicit clocks."""

from __future__ import annotations

import pytest

from trellis.exceptions import ConfigurationError
from trellis.ratelimit import MemoryBackend, Rate, parse_rate
from trellis.ratelimit.rates import Strategy, decide, window_for


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("10/minute", Rate(10, 60)),
        ("10 per minute", Rate(10, 60)),
        ("100/hour", Rate(100, 3600)),
        ("5/30 seconds", Rate(5, 30)),
        ("5/30s", Rate(5, 30)),
        ("1000/day", Rate(1000, 86400)),
        ("3/15 minutes", Rate(3, 900)),
        (" 7 / 2 Hours ", Rate(7, 7200)),
    ],
)
def test_parse_rate(text: str, rate: Rate) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["10", "ten/minute", "10/fortnight", "0/minute", "10/0 minutes"])
def test_bad_rates_fail_at_declaration(text: str) -> None:
    with pytest.raises(ConfigurationError):
        parse_rate(text)


def test_fixed_windows_align_on_the_clock() -> None:
    window = window_for("fixed", "b", Rate(10, 60), 125.0)
    assert (window.key, window.previous_key, window.weight, window.ttl) == (
        "{b}:2",
        None,
        0.0,
        55.0,
    )


def test_sliding_windows_weigh_the_previous_one_by_its_overlap() -> None:
    window = window_for("sliding", "b", Rate(10, 60), 135.0)
    assert (window.key, window.previous_key) == ("{b}:2", "{b}:1")
    assert window.weight == pytest.approx(45 / 60)
    assert window.ttl == 105.0  # the counter is still read while the next window runs


class Simulator:
    """A backend driven with explicit times, as the battery drives it."""

    def __init__(self, strategy: Strategy, rate: Rate) -> None:
        self.strategy, self.rate, self.backend = strategy, rate, MemoryBackend()

    async def hit(self, now: float, cost: int = 1) -> tuple[bool, int, int | None]:
        window = window_for(self.strategy, "k", self.rate, now)
        counts = await self.backend.increment(
            window.key,
            window.previous_key,
            weight=window.weight,
            limit=self.rate.amount,
            cost=cost,
            ttl=window.ttl,
            now=now,
        )
        decision = decide(
            self.strategy,
            self.rate,
            window,
            now,
            allowed=counts.allowed,
            current=counts.current,
            previous=counts.previous,
            cost=cost,
        )
        return decision.allowed, decision.remaining, decision.retry_after


async def test_fixed_window_allows_a_burst_across_the_boundary() -> None:
    sim = Simulator("fixed", Rate(10, 60))
    results = [await sim.hit(50.0) for _ in range(11)]
    assert [r[0] for r in results] == [True] * 10 + [False]
    assert results[0][1] == 9
    assert results[9][1] == 0
    assert results[10][2] == 10  # retry when the window ends at 60 s
    assert all([(await sim.hit(61.0))[0] for _ in range(10)])  # 20 requests in 11 seconds


async def test_sliding_window_smooths_the_boundary() -> None:
    sim = Simulator("sliding", Rate(10, 60))
    assert all([(await sim.hit(50.0))[0] for _ in range(10)])
    # at 65 s, 55/60 of the previous window's 10 still count: 9.17 + 1 > 10
    assert await sim.hit(65.0) == (False, 0, 1)
    assert await sim.hit(66.0) == (True, 0, None)  # 54/60 of 10 = 9, plus this one
    allowed, remaining, retry = await sim.hit(66.0)
    assert (allowed, remaining) == (False, 0)
    # 10*(1 - e/60) + 1 + 1 <= 10 once e >= 12 s into the window: at 72 s, 6 s from now
    assert retry == 6
    assert (await sim.hit(71.9))[0] is False
    assert (await sim.hit(72.0))[0] is True


async def test_sliding_window_forgets_after_two_periods() -> None:
    sim = Simulator("sliding", Rate(2, 60))
    assert [(await sim.hit(10.0))[0] for _ in range(3)] == [True, True, False]
    # the wait spans the current window and part of the next: 2*(1 - e/60) + 1 <= 2 at e=30
    assert (await sim.hit(10.0))[2] == 80  # 60 + 30 - 10
    assert (await sim.hit(89.0))[0] is False
    assert (await sim.hit(90.0))[0] is True
    assert (await sim.hit(180.0))[1] == 1  # two windows later only this request counts


async def test_cost_takes_several_units() -> None:
    sim = Simulator("fixed", Rate(10, 60))
    assert (await sim.hit(1.0, cost=4))[:2] == (True, 6)
    assert (await sim.hit(1.0, cost=4))[:2] == (True, 2)
    assert (await sim.hit(1.0, cost=4))[0] is False  # refused hits are not counted
    assert (await sim.hit(1.0, cost=2))[:2] == (True, 0)


def test_reset_tells_when_the_whole_quota_is_back() -> None:
    rate = Rate(10, 60)
    fixed = window_for("fixed", "k", rate, 20.0)
    assert decide("fixed", rate, fixed, 20.0, allowed=True, current=1, previous=0).reset == 40
    sliding = window_for("sliding", "k", rate, 20.0)
    assert decide("sliding", rate, sliding, 20.0, allowed=True, current=1, previous=0).reset == 100
    later = window_for("sliding", "k", rate, 70.0)
    assert decide("sliding", rate, later, 70.0, allowed=True, current=0, previous=3).reset == 50
