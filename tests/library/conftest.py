"""Fixtures of the library tests: a rights holder with an IP, studios to license it."""

import datetime
from decimal import Decimal

import pytest

from library import services
from tests.conftest import make_user

TODAY = datetime.date(2026, 3, 1)


@pytest.fixture
def holder(db):
    return make_user("holder", is_rights_holder=True, is_creator=False)


@pytest.fixture
def ip(holder):
    return services.create_ip(holder, title="Book of Dawn", original_author="Wu",
                              kind="novel", tags=["玄幻", "系统"])


def terms(**overrides) -> dict:
    base = {
        "exclusive": True,
        "starts_on": TODAY,
        "ends_on": TODAY + datetime.timedelta(days=364),
        "licensor_share": Decimal("0.3000"),
        "minimum_guarantee": Decimal("500.00"),
    }
    base.update(overrides)
    return base


@pytest.fixture
def make_staff(db):
    return make_user("staffer", is_staff=True, is_creator=False)
