"""The ROI case's assumptions: the costs and values finance agrees, read from the assumptions file
(``config/roi_assumptions.yaml``, or ``MENTORSHIP_ROI_FILE``) and checked, key by key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from mentorship.settings import DEFAULT_ROI_FILE as DEFAULT_FILE


class RoiConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Assumptions:
    currency: str = "EUR"
    mentor_hourly: float = 85.0
    mentee_hourly: float = 45.0
    hourly_range: tuple[float, float] = (0.75, 1.25)
    preparation_share: float = 0.25
    administration_per_year: float = 30000.0
    administration_range: tuple[float, float] = (0.5, 1.5)
    platform_fee_per_pair_year: float = 120.0
    replacement_share: float = 0.21
    replacement_range: tuple[float, float] = (0.16, 0.50)
    retention_benefit: bool = True
    promotion_benefit: bool = False
    value_per_promotion: float = 0.0
    # Extra pay growth is a cost to the company unless finance values the work behind it: off by default,
    # and counted only at the value finance agrees per percentage point of extra pay growth per mentee.
    pay_benefit: bool = False
    value_per_pay_point: float = 0.0
    horizon_months: int = 12

    @classmethod
    def from_yaml(cls, path: str | Path = DEFAULT_FILE) -> Assumptions:
        path = Path(path)
        raw = _load_yaml(path)
        read = _Reader(path)
        d = cls()
        # Checked in this order (currency, costs, benefits, horizon): the first bad value is the one named.
        return cls(
            currency=str(raw.get("currency", d.currency)),
            **_cost_assumptions(raw, read, d),
            **_benefit_assumptions(raw, read, d),
            horizon_months=int(read.num(raw.get("horizon_months", d.horizon_months), "horizon_months", 1)),
        )


def _load_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise RoiConfigError(f"ROI assumptions file not found: {path}") from None
    except yaml.YAMLError as e:
        raise RoiConfigError(f"{path}: not valid YAML: {e}") from None


@dataclass(frozen=True)
class _Reader:
    """Reads the values of one assumptions file, naming the file and the key in every error."""

    path: Path

    def num(self, value, name: str, low: float = 0.0) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise RoiConfigError(f"{self.path}: {name} must be a number, got {value!r}") from None
        if v < low:
            raise RoiConfigError(f"{self.path}: {name} must be at least {low}, got {v}")
        return v

    def pair(self, value, name: str) -> tuple[float, float]:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise RoiConfigError(f"{self.path}: {name} must be a list of two numbers [low, high], got {value!r}")
        lo, hi = self.num(value[0], name), self.num(value[1], name)
        if lo > hi:
            raise RoiConfigError(f"{self.path}: {name} must be [low, high] with low <= high, got {value!r}")
        return lo, hi


def _cost_assumptions(raw: dict, read: _Reader, d: Assumptions) -> dict:
    """The cost side: hourly costs, preparation, administration and platform fees."""
    hourly = raw.get("hourly_cost", {}) or {}
    return dict(
        mentor_hourly=read.num(hourly.get("mentor", d.mentor_hourly), "hourly_cost.mentor"),
        mentee_hourly=read.num(hourly.get("mentee", d.mentee_hourly), "hourly_cost.mentee"),
        hourly_range=read.pair(hourly.get("range", list(d.hourly_range)), "hourly_cost.range"),
        preparation_share=read.num(
            raw.get("preparation_hours_per_meeting_hour", d.preparation_share), "preparation_hours_per_meeting_hour"
        ),
        administration_per_year=read.num(
            raw.get("administration_per_year", d.administration_per_year), "administration_per_year"
        ),
        administration_range=read.pair(
            raw.get("administration_range", list(d.administration_range)), "administration_range"
        ),
        platform_fee_per_pair_year=read.num(
            raw.get("platform_fee_per_pair_year", d.platform_fee_per_pair_year), "platform_fee_per_pair_year"
        ),
    )


def _benefit_assumptions(raw: dict, read: _Reader, d: Assumptions) -> dict:
    """The benefit side: the replacement cost of an exit and the other monetised outcomes switched on."""
    benefits = raw.get("benefits", {}) or {}
    promo = benefits.get("promotion", {}) or {}
    pay = benefits.get("pay", {}) or {}
    return dict(
        replacement_share=read.num(
            raw.get("replacement_cost_share_of_salary", d.replacement_share), "replacement_cost_share_of_salary"
        ),
        replacement_range=read.pair(
            raw.get("replacement_cost_range", list(d.replacement_range)), "replacement_cost_range"
        ),
        retention_benefit=bool(benefits.get("retention", True)),
        promotion_benefit=bool(promo.get("enabled", False)),
        value_per_promotion=read.num(
            promo.get("value_per_extra_promotion", 0), "benefits.promotion.value_per_extra_promotion"
        ),
        pay_benefit=bool(pay.get("enabled", False)),
        value_per_pay_point=read.num(pay.get("value_per_extra_pay_point", 0), "benefits.pay.value_per_extra_pay_point"),
    )
