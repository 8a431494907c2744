# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The split engine: plain Python, no ORM, integer fen, deterministic.

The models turn a ``city.split.rule`` into a :class:`Rule` and a movement into a
:class:`Context`; :func:`split` answers the shares. Every share is a
:class:`Share` ``(role, beneficiary, amount)``; the amounts of one split always
add up exactly to the amount given (largest remainder on integer fen, see
``city_base.tools.allocation``).

The twelve modes of DESIGN.md and how they show here:

==================  ===========================================================
``ratio``           fixed ratio: the merchant keeps ``merchant_percent``, the
                    platform the rest (6:4 → ``merchant_percent=60``)
``fixed``           fixed amount: the merchant is paid ``fixed_fen`` per
                    delivery (结算价), the platform keeps the margin
``tier_amount``     tiered by order amount: the platform rate of the highest
                    tier whose threshold the order amount reaches
``tier_volume``     tiered by the merchant's cumulative volume in the period
``time_slot``       weekday/hour windows with their own platform rate
``combo``           package weights across merchants (:func:`split_combo` at
                    payment; each part then splits like ``ratio``)
``distribution``    two-level commission: referrer and referrer's referrer
``franchise``       branch/franchise commission: a percentage of sales to the
                    head office
``escrow``          escrow release on delivery (the default behaviour: money
                    is released by deliveries, split like ``ratio``)
``periodic``        periodic settlement cycles (real time, T+1, weekly,
                    monthly): splits like ``ratio``; the cycle drives the
                    settlement runs
``points``          cross-store points clearing: :func:`points_value` and a
                    clearing fee kept by the platform
``fee``             platform service fee and payment-channel fee deduction
==================  ===========================================================

Every mode also applies the rule's ``platform_fee_percent`` (on top of the mode's
own platform share), ``channel_fee_percent`` and, where the member has
referrers, the distribution percentages: these are the common fee deductions.
"""

from collections import namedtuple
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from odoo.addons.city_base.tools.allocation import allocate

MODES = (
    "ratio",
    "fixed",
    "tier_amount",
    "tier_volume",
    "time_slot",
    "combo",
    "distribution",
    "franchise",
    "escrow",
    "periodic",
    "points",
    "fee",
)

ROLE_MERCHANT = "merchant"
ROLE_PLATFORM = "platform_fee"
ROLE_CHANNEL = "channel_fee"
ROLE_COMMISSION = "commission"
ROLE_FRANCHISE = "franchise"

Share = namedtuple("Share", ["role", "beneficiary", "amount"])
"""One part of a split: ``role``, ``beneficiary`` (a key such as a partner id,
``None`` for the platform) and ``amount`` in fen."""


class SplitError(ValueError):
    """The rule or the input cannot be split (e.g. percentages above 100)."""


@dataclass(frozen=True)
class Tier:
    """A tier (threshold in fen, platform percent) or a time slot."""

    threshold: int = 0
    percent: Decimal = Decimal(0)
    weekdays: tuple = ()  # 0 = Monday
    hour_from: float = 0.0
    hour_to: float = 24.0


@dataclass(frozen=True)
class Rule:
    """The parameters of one version of a split rule (see module docstring)."""

    mode: str = "ratio"
    merchant_percent: Decimal = Decimal(100)
    platform_fee_percent: Decimal = Decimal(0)
    channel_fee_percent: Decimal = Decimal(0)
    commission_l1_percent: Decimal = Decimal(0)
    commission_l2_percent: Decimal = Decimal(0)
    franchise_percent: Decimal = Decimal(0)
    franchise_beneficiary: object = None
    fixed_fen: int = 0
    tiers: tuple = ()
    points_fee_percent: Decimal = Decimal(0)


@dataclass(frozen=True)
class Context:
    """What the split depends on besides the amount."""

    merchant: object = None
    order_amount: int = 0  # fen
    period_volume: int = 0  # fen, the merchant's cumulative volume in the period
    weekday: int = 0
    hour: float = 0.0
    referrers: tuple = field(default_factory=tuple)  # (level 1, level 2) beneficiaries, may be shorter


def _fraction(value):
    return Fraction(Decimal(str(value)))


def _tier_percent(tiers, metric):
    chosen = None
    for tier in sorted(tiers, key=lambda t: t.threshold):
        if metric >= tier.threshold:
            chosen = tier
    return _fraction(chosen.percent) if chosen else None


def _slot_percent(tiers, weekday, hour):
    for tier in tiers:
        if (not tier.weekdays or weekday in tier.weekdays) and tier.hour_from <= hour < tier.hour_to:
            return _fraction(tier.percent)
    return None


def platform_percent(rule, ctx):
    """The platform's share of the amount, in percent, by the rule's mode (not for ``fixed``)."""
    base = 100 - _fraction(rule.merchant_percent)
    if rule.mode == "tier_amount":
        found = _tier_percent(rule.tiers, ctx.order_amount)
    elif rule.mode == "tier_volume":
        found = _tier_percent(rule.tiers, ctx.period_volume)
    elif rule.mode == "time_slot":
        found = _slot_percent(rule.tiers, ctx.weekday, ctx.hour)
    elif rule.mode == "points":
        found = _fraction(rule.points_fee_percent)
    else:
        found = None
    return (base if found is None else found) + _fraction(rule.platform_fee_percent)


def split(amount, rule, ctx=None):
    """Split ``amount`` (fen) of a delivery by ``rule``.

    A negative amount is a refund of a delivered amount: the shares mirror the
    positive split exactly (every share negated), so the reversal undoes the
    original cent for cent.

    :return: list of :class:`Share`, zero shares left out, summing to ``amount``
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise SplitError(f"amount must be integer fen, not {amount!r}")
    if rule.mode not in MODES:
        raise SplitError(f"unknown split mode {rule.mode!r}")
    ctx = ctx or Context()
    if amount < 0:
        return [Share(s.role, s.beneficiary, -s.amount) for s in split(-amount, rule, ctx)]
    if amount == 0:
        return []
    others = [(ROLE_CHANNEL, None, _fraction(rule.channel_fee_percent))]
    if rule.mode == "distribution" or rule.commission_l1_percent or rule.commission_l2_percent:
        levels = (_fraction(rule.commission_l1_percent), _fraction(rule.commission_l2_percent))
        for beneficiary, percent in zip(ctx.referrers, levels, strict=False):
            if beneficiary is not None and percent:
                others.append((ROLE_COMMISSION, beneficiary, percent))
    if rule.franchise_percent and rule.franchise_beneficiary is not None:
        others.append((ROLE_FRANCHISE, rule.franchise_beneficiary, _fraction(rule.franchise_percent)))
    if rule.mode == "fixed":
        platform = _fraction(rule.platform_fee_percent)
    else:
        platform = platform_percent(rule, ctx)
    others.append((ROLE_PLATFORM, None, platform))
    taken = sum(p for _r, _b, p in others)
    if any(p < 0 for _r, _b, p in others) or taken > 100:
        raise SplitError(f"the rule's percentages add up to {float(taken)}%, more than 100% or negative")
    weights = [p for _r, _b, p in others] + [100 - taken]
    parts = allocate(amount, weights)
    shares = [[role, beneficiary, part] for (role, beneficiary, _p), part in zip(others, parts[:-1], strict=True)]
    merchant = parts[-1]
    if rule.mode == "fixed":
        # The merchant gets its fixed price out of what is left, the platform the margin.
        paid = min(max(int(rule.fixed_fen), 0), merchant)
        shares[-1][2] += merchant - paid
        merchant = paid
    shares.append([ROLE_MERCHANT, ctx.merchant, merchant])
    return _merge([Share(*s) for s in shares if s[2]])


def _merge(shares):
    """One share per (role, beneficiary), in first-seen order."""
    merged = {}
    for share in shares:
        key = (share.role, share.beneficiary)
        merged[key] = merged.get(key, 0) + share.amount
    return [Share(role, beneficiary, amount) for (role, beneficiary), amount in merged.items() if amount]


def split_combo(amount, components):
    """Split a package price over its components' weights.

    :param components: list of ``(key, weight)``
    :return: list of ``(key, fen)`` in the same order, summing to ``amount``
    """
    if not components:
        raise SplitError("a combo needs at least one component")
    parts = allocate(amount, [weight for _key, weight in components])
    return [(key, part) for (key, _weight), part in zip(components, parts, strict=True)]


def points_value(points, rate_fen_per_point):
    """Money value in fen of ``points`` at a clearing rate (fen per point), half up."""
    value = _fraction(points) * _fraction(rate_fen_per_point)
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))
