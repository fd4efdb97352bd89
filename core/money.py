"""Money as subscribers read it."""

from __future__ import annotations

from decimal import Decimal


def yuan(value: Decimal | int | float | str | None) -> str:
    """¥39, ¥39.90: money in yuan without a pointless .00."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    text = f"{amount:,.0f}" if amount == amount.to_integral() else f"{amount:,.2f}"
    return f"¥{text}"
