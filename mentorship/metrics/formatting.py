"""How a figure is shown: units, their scale and suffix, and ``display``, the one function every page,
pack and summary formats a value with."""

from __future__ import annotations

import math

import pandas as pd

#: Units and how each is shown. ``scale`` multiplies the stored value for display and charts.
UNITS = {
    "share": ("%", 100.0),  # a share of people: 30.5%
    "pts": (" pts", 100.0),  # a difference of two shares: percentage points, +9.9 pts
    "pay_share": ("%", 100.0),  # growth of pay, as a share of pay: 4.21%
    "pay_pts": (" pts of pay", 100.0),  # a difference in pay growth: +0.25 pts of pay
    "score": ("", 1.0),  # a survey score on the 1-5 scale: 3.58
    # A difference in survey score, on the survey's 1-5 scale: shown bare (+0.12), with the scale named
    # by the card, axis or table note around it ("on the 1–5 scale"); never "pts", which is for shares.
    "score_points": ("", 1.0),
    "hazard_ratio": ("", 1.0),
    "ratio": ("", 1.0),  # an E-value
    "count": ("", 1.0),
    "percent": ("%", 100.0),  # a return on investment
    "days": (" days", 1.0),
    "per_month": ("", 1.0),
    "hours": (" h", 1.0),
    "years": (" years", 1.0),
    "smd": ("", 1.0),
}
SIGNED = {"pts", "pay_pts", "score_points"}
SCALE_WORDS = " on the 1–5 scale"
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def is_missing(value) -> bool:
    """None, a float NaN or a pandas missing value: a figure with nothing to show."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


def unit_format(unit: str) -> tuple[str, float]:
    """(suffix, scale) of a unit."""
    return ("", 1.0) if unit.isupper() else UNITS[unit]  # a currency code: EUR, USD


def display(value, unit: str, digits: int, signed: bool | None = None) -> str:
    """A figure as every output shows it. A unit in capitals is a currency code."""
    if is_missing(value):
        return ""
    suffix, scale = unit_format(unit)
    v = round(float(value) * scale, digits) + 0.0
    if unit.isupper():
        sym = CURRENCY_SYMBOLS.get(unit, unit + " ")
        return f"−{sym}{abs(v):,.{digits}f}" if v < 0 else f"{sym}{v:,.{digits}f}"
    if unit == "count":
        return f"{v:,.0f}"
    sign = "+" if (unit in SIGNED if signed is None else signed) else ""
    text = f"{v:{sign},.{digits}f}"
    return text.replace("-", "−") + suffix


def display_scale(unit: str) -> float:
    """The factor between a stored value and what a chart plots."""
    return unit_format(unit)[1]


def and_list(items) -> str:
    """'6, 12 and 24': a list for running text."""
    items = [str(i) for i in items]
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)
