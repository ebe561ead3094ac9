"""Policy versions from a file, the finance page or code: numbers kept exactly as written."""

import json
from decimal import Decimal

import pytest
from django.urls import reverse

from revenue.models import PolicyVersion
from revenue.services import RevenueError, create_policy
from tests.conftest import make_user
from tests.revenue.conftest import POLICY, run

# A JSON number a float cannot hold: as a float it is 0.0005.
EXACT = "0.00050000000000000001"


def with_numbers() -> str:
    """POLICY as JSON text with its minute price and two coefficients as JSON numbers."""
    text = json.dumps(POLICY)
    for was, now in [('"minute_price": "0.0005"', f'"minute_price": {EXACT}'),
                     ('"exclusive": "2.00"', '"exclusive": 2.00'),
                     ('"narrated": "10"', '"narrated": 10')]:
        assert was in text
        text = text.replace(was, now)
    return text


def test_import_policy_stores_a_json_number_exactly_as_written(db, tmp_path):
    path = tmp_path / "policy.json"
    path.write_text(with_numbers())
    run("import_policy", str(path))
    data = PolicyVersion.objects.get().data
    assert data["minute_price"] == EXACT
    assert data["ad_coefficients"]["exclusive"] == "2.00"
    assert data["category_coefficients"]["narrated"] == "10"


def test_the_finance_page_stores_a_json_number_exactly_as_written(client, db):
    client.force_login(make_user("fin", is_finance=True))
    response = client.post(reverse("revenue:policies"), {"policy": with_numbers()})
    assert response.status_code == 302
    assert PolicyVersion.objects.get().data["minute_price"] == EXACT


def test_a_float_given_in_code_is_refused_not_rounded(db):
    with pytest.raises(RevenueError, match="minute_price: a float is not exact"):
        create_policy({**POLICY, "minute_price": float(Decimal(EXACT))})
    assert not PolicyVersion.objects.exists()


@pytest.mark.parametrize("day", ["20260101", "2026-W01-4"])  # both read as 2026-01-01
def test_a_valid_from_not_written_yyyy_mm_dd_is_refused(db, day):
    with pytest.raises(RevenueError, match="valid_from: expected YYYY-MM-DD"):
        create_policy({**POLICY, "valid_from": day})
    assert not PolicyVersion.objects.exists()


def test_the_history_names_each_coefficient_in_chinese_not_by_its_json_key(client, example):
    client.force_login(make_user("fin-history", is_finance=True))
    page = client.get(reverse("revenue:policies"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    labels = [r["label"] for r in page.context["rows"]]
    for shown in ("每有效分钟单价（¥）", "品类系数：解说漫", "版权系数：非独家",
                  "每分钟保底，S 级（¥）", "爆款奖励第 1 档：最低播放量"):
        assert shown in labels and shown in page.content.decode()
    assert not [x for x in labels if "_" in x or "." in x]


@pytest.mark.parametrize("bonus, problem", [
    ("0.005", "hit_bonus_tiers[0].bonus: an amount has at most 2 decimals"),
    ("10000000000000.00", "hit_bonus_tiers[0].bonus: over the largest amount kept, "
                          "9999999999999.99"),
])
def test_a_hit_bonus_that_is_not_an_amount_of_the_ledger_is_refused(db, bonus, problem):
    tiers = [{"min_views": 1000000, "bonus": bonus}]
    with pytest.raises(RevenueError) as err:
        create_policy({**POLICY, "hit_bonus_tiers": tiers})
    assert err.value.problems == [problem]
    assert not PolicyVersion.objects.exists()
