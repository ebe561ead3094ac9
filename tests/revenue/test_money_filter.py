"""Money is written for people to the fen, grouped by thousands, from the exact Decimal."""

from decimal import Decimal

import pytest

from revenue.templatetags.money import money, percent, quantity


@pytest.mark.parametrize(("value", "shown"), [
    (Decimal("36220.43"), "¥36,220.43"), (Decimal("30291.3000000000"), "¥30,291.30"),
    (0, "¥0.00"), (Decimal("-1234.005"), "-¥1,234.01"), ("20766.05", "¥20,766.05"),
    (Decimal("99999999999999.99"), "¥99,999,999,999,999.99"), (None, "")])
def test_money_is_grouped_to_the_fen(value, shown):
    assert money(value) == shown


def test_quantities_keep_a_fixed_precision():
    assert quantity(Decimal("94.0000")) == "94.00"
    assert quantity(1234567, 0) == "1,234,567"


def test_a_float_is_refused_not_rounded_twice():
    with pytest.raises(TypeError):
        money(0.1)


@pytest.mark.parametrize("value, shown", [
    (Decimal("0.3000"), "30%"), (Decimal("0.255"), "25.5%"), (Decimal("0.0001"), "0.01%"),
    (Decimal("1"), "100%"), (Decimal("0"), "0%"), ("0.25", "25%"), (None, "")])
def test_a_share_reads_as_an_exact_percentage(value, shown):
    assert percent(value) == shown
