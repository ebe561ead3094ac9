"""Filters that write money and quantities for people: ¥36,220.43, 1,234.50 minutes."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()


def _decimal(value) -> Decimal | None:
    """Decimal, int or the text of a number, exactly; a float has already lost digits
    and is refused loudly rather than shown rounded twice."""
    if value is None or value == "":
        return None
    if isinstance(value, float):
        raise TypeError(f"money and quantities are Decimal, not float: {value!r}")
    try:
        number = Decimal(value) if isinstance(value, (Decimal, int)) else Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@register.filter
def money(value) -> str:
    """An amount in yuan to the fen, grouped by thousands: ¥36,220.43, -¥5.00."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    return f"{sign}¥{abs(number):,.2f}"


def exact_text(number: Decimal) -> str:
    """A decimal at two places, or at as many more as it needs to be exact: 16150.95,
    0.005 (a line's minute part is not rounded: only the base is, DOMAIN.md)."""
    if number == number.quantize(Decimal("0.01")):
        return f"{number.quantize(Decimal('0.01')):f}"
    return f"{number.normalize():f}"


@register.filter
def exact_money(value) -> str:
    """An unrounded amount (a line's minute or ad part) in yuan: ¥1,234.50, ¥0.005. Shown
    to the fen it would not add up to the base beside it."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    sign = "-" if number < 0 else ""
    whole, _, fraction = exact_text(abs(number)).partition(".")
    return f"{sign}¥{int(whole):,}.{fraction}"


@register.filter
def quantity(value, places=2) -> str:
    """A count or measure (minutes, views) grouped by thousands at `places` decimals."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    places = int(places)
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"{number:,.{places}f}"


@register.filter
def percent(value) -> str:
    """A share (a fraction of one) as a percentage, exactly: 0.3000 → 30%, 0.255 → 25.5%."""
    number = _decimal(value)
    if number is None:
        return "" if value is None else str(value)
    text = f"{number * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"
