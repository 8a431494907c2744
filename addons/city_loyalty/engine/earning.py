# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The earning engine: plain Python, no ORM, deterministic.

``city.points.wallet._earn_events`` reads what a batch of earning events needs
(the rules, the members' wallets, the event keys already on the ledger, the
points earned today and the earnings of the last hour) in a few queries, turns
each event into an :class:`Attempt` and asks an :class:`EarningEngine` for an
:class:`Outcome`: the points to credit, or the reason of a refusal. The engine
keeps the batch's running counts itself, so caps and velocity hold across the
events of one batch (the wallets stay locked for the whole batch).

The checks run in the order of :attr:`EarningEngine.checks`; each is a method
that returns an :class:`Outcome` to stop (a refusal) or ``None`` to go on.
A module that adds a check subclasses the engine (``city.points.wallet``
builds it in ``_get_earning_engine``) and inserts its method's name.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Rule:
    """What the engine needs of a ``city.points.rule``."""

    id: int
    event: str
    points_per_yuan: float = 0.0
    points: int = 0
    apply_tier_multiplier: bool = True
    per_event_cap: int = 0
    daily_cap: int = 0
    validity_days: int = 0


def rule_points(rule, amount_fen=0, multiplier=1.0):
    """Points ``rule`` gives for an event of ``amount_fen`` (purchases), before daily caps.

    Purchases earn ``points_per_yuan`` per whole yuan (rounded down on the fen),
    other events their fixed ``points``; the tier multiplier applies when the
    rule says so (rounded down), then the per-event cap. Never negative.
    """
    if rule.event == "purchase":
        points = int(amount_fen * rule.points_per_yuan) // 100
    else:
        points = rule.points
    if rule.apply_tier_multiplier and multiplier and multiplier != 1.0:
        points = int(points * multiplier)
    if rule.per_event_cap:
        points = min(points, rule.per_event_cap)
    return max(points, 0)


@dataclass(slots=True)
class Attempt:
    """One event that may earn points for one wallet."""

    wallet_id: int
    rule: Rule | None = None
    amount_fen: int = 0
    event_key: str | None = None
    points: int | None = None  # forced points (e.g. birthday gifts): no rule needed
    multiplier: float = 1.0  # the member's tier multiplier (or the event's own)
    is_member: bool = True
    flagged: bool = False
    flag_reason: str | None = None


@dataclass(slots=True)
class Outcome:
    """The engine's answer: ``points`` earned, or a refusal ``reason`` (``points`` then says how many)."""

    points: int = 0
    reason: str | None = None
    message: str | None = None
    flag: bool = False  # the wallet is to be flagged as suspicious

    @property
    def accepted(self):
        return self.reason is None


@dataclass
class EarningEngine:
    """The checks of one batch: member, flag, duplicate, rule, zero, velocity, daily cap.

    :param velocity_max: earnings allowed per wallet within the last hour
    :param seen: ``{(wallet id, event key)}`` already on the ledger
    :param daily: ``{(wallet id, rule id): points}`` earned today by each rule
    :param hourly: ``{wallet id: earnings}`` within the last hour
    """

    velocity_max: int
    seen: set = field(default_factory=set)
    daily: dict = field(default_factory=dict)
    hourly: dict = field(default_factory=dict)

    checks = (
        "_check_member",
        "_check_flagged",
        "_check_duplicate",
        "_check_points",
        "_check_zero",
        "_check_velocity",
        "_check_daily_cap",
    )

    def evaluate(self, attempt):
        """The :class:`Outcome` of ``attempt``; an accepted one is counted in the batch's limits."""
        outcome = Outcome()
        for name in self.checks:
            refusal = getattr(self, name)(attempt, outcome)
            if refusal is not None:
                return refusal
        self._count(attempt, outcome)
        return outcome

    # Each check returns a refusal (an Outcome with a reason) or None; it may set outcome.points.

    def _check_member(self, attempt, outcome):
        return None if attempt.is_member else Outcome(reason="not_member")

    def _check_flagged(self, attempt, outcome):
        return Outcome(reason="flagged", message=attempt.flag_reason) if attempt.flagged else None

    def _check_duplicate(self, attempt, outcome):
        if attempt.event_key and (attempt.wallet_id, attempt.event_key) in self.seen:
            return Outcome(reason="duplicate")
        return None

    def _check_points(self, attempt, outcome):
        if attempt.points is not None:
            outcome.points = attempt.points
        elif attempt.rule is None:
            return Outcome(reason="no_rule")
        else:
            outcome.points = rule_points(attempt.rule, attempt.amount_fen, attempt.multiplier)
        return None

    def _check_zero(self, attempt, outcome):
        return Outcome(points=outcome.points, reason="zero") if outcome.points <= 0 else None

    def _check_velocity(self, attempt, outcome):
        if self.hourly.get(attempt.wallet_id, 0) >= self.velocity_max:
            return Outcome(points=outcome.points, reason="velocity", flag=True)
        return None

    def _check_daily_cap(self, attempt, outcome):
        cap = attempt.rule.daily_cap if attempt.rule else 0
        if not cap:
            return None
        used = self.daily.get((attempt.wallet_id, attempt.rule.id), 0)
        if used >= cap:
            return Outcome(points=outcome.points, reason="daily_cap")
        outcome.points = min(outcome.points, cap - used)
        return None

    def _count(self, attempt, outcome):
        """An accepted earning counts towards the daily cap, the velocity and the duplicates."""
        if attempt.rule is not None and attempt.rule.daily_cap:
            key = (attempt.wallet_id, attempt.rule.id)
            self.daily[key] = self.daily.get(key, 0) + outcome.points
        self.hourly[attempt.wallet_id] = self.hourly.get(attempt.wallet_id, 0) + 1
        if attempt.event_key:
            self.seen.add((attempt.wallet_id, attempt.event_key))
