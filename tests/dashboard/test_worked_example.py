"""The worked example of DOMAIN.md, settled through the management commands, as the
studio owner and the rights holder see it on the dashboard."""

import datetime
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from creators.models import Studio, User
from dashboard.services import decide_payout, request_payout
from tests.conftest import make_user

EXAMPLE = Path(settings.BASE_DIR).parent / "shared" / "examples" / "settlement"


def load_worked_example():
    call_command("import_catalog", str(EXAMPLE / "catalog.json"))
    for policy in sorted((EXAMPLE / "policies").glob("*.json")):
        call_command("import_policy", str(policy))
    for step in json.loads((EXAMPLE / "steps.json").read_text()):
        if "import" in step:
            call_command("import_revenue", str(EXAMPLE / step["import"]),
                         platform=step["platform"])
        else:
            call_command("settle", step["settle"])


@pytest.fixture
def settled(db):
    load_worked_example()
    return Studio.objects.get(slug="moonlight")


@pytest.fixture
def lin(settled):
    return User.objects.get(username="lin")


def test_the_owner_sees_the_domain_figures(client, settled, lin):
    client.force_login(lin)
    page = client.get(reverse("dashboard:studio", args=["moonlight"])).content.decode()
    assert "¥20,766.05" in page
    st = client.get(reverse("dashboard:statement", args=["moonlight", "2026-02"]))
    body = st.content.decode()
    for figure in ("¥16,150.95", "¥4,615.10", "¥4,000.00", "¥20,766.05"):
        assert figure in body
    csv = client.get(reverse("dashboard:statement_csv", args=["moonlight", "2026-02"]))
    assert "closing_balance,20766.05" in csv.content.decode()


def test_the_statement_leads_with_one_row_per_episode_and_folds_long_lists_of_lines(
        client, settled, lin, monkeypatch):
    """A month of daily lines from several platforms runs to hundreds of rows; the page sums
    them per episode, exactly, and keeps the lines folded until asked for (or printed)."""
    from dashboard import views
    from revenue.queries import statement

    client.force_login(lin)
    url = reverse("dashboard:statement", args=["moonlight", "2026-02"])
    st = statement("2026-02", studio=settled)
    body = client.get(url).content.decode()
    table = body[body.index('data-testid="by-episode"'):body.index('data-testid="lines"')]
    rows = re.findall(r'<tr><td><span class="ref">(EP-[A-Z0-9-]+)</span> <small[^>]*>[^<]+'
                      r'</small></td><td class="num">(\d+).*?<td class="num">¥([\d,.]+)</td></tr>',
                      table)
    per_episode = {}
    for line in st["lines"]:
        count, amount = per_episode.get(line["episode_ref"], (0, Decimal(0)))
        per_episode[line["episode_ref"]] = (count + 1, amount + Decimal(line["amount"]))
    assert {ref: (int(n), Decimal(a.replace(",", ""))) for ref, n, a in rows} == per_episode
    assert sum(Decimal(a.replace(",", "")) for _, _, a in rows) == Decimal(
        st["totals"]["earned_share"])
    amounts = [Decimal(a.replace(",", "")) for _, _, a in rows]
    assert amounts == sorted(amounts, reverse=True)  # the biggest earner first
    n = len(st["lines"])
    assert re.search(r'data-testid="lines" open>', body) and f"{n} 条明细" in body
    monkeypatch.setattr(views, "STATEMENT_LINES_SHOWN", n - 1)
    assert re.search(r'data-testid="lines">', client.get(url).content.decode())  # folded
    assert re.search(r'data-testid="lines" open>', client.get(url + "?print=1").content.decode())


def test_the_statement_page_names_each_line_by_its_series_title(client, settled, lin):
    """The statement's JSON and CSV name a series by slug; the page reads its title."""
    client.force_login(lin)
    body = client.get(reverse("dashboard:statement", args=["moonlight", "2026-02"])).content
    series = re.findall(r'<td title="([a-z-]+)">([^<]+)</td>', body.decode())
    assert set(series) == {("bookstore", "时间尽头的书店"), ("sword", "开局一把剑")}
    csv = client.get(reverse("dashboard:statement_csv", args=["moonlight", "2026-02"]))
    assert ",sword," in csv.content.decode() and "开局一把剑" not in csv.content.decode()


def test_the_drill_down_reaches_a_single_line_with_its_computation(client, settled, lin):
    client.force_login(lin)
    url = reverse("dashboard:drill", args=["moonlight", "2026-02"])
    whole = client.get(url).content.decode()
    assert "¥16,150.95" in whole
    one = client.get(url, {"series": "", "episode": "EP-BK-001"}).content.decode()
    assert "¥6,398.70" in one and "¥2,742.30" in one and "¥9,141.00" in one
    assert "0.30" in one or "0.3" in one


def test_the_chart_json_has_decimal_strings_for_each_chart(client, settled, lin):
    client.force_login(lin)
    d = client.get(reverse("dashboard:data", args=["moonlight"]), {"days": 90}).json()
    assert sum(float(r["revenue"]) for r in d["daily"]) == pytest.approx(16150.95)
    parts = {r["part"]: r["amount"] for r in d["parts"]}
    assert parts["incentives"] == "4615.10"
    assert d["by_series"] and d["per_minute"]


def test_a_payout_approved_appears_on_the_next_statement(client, settled, lin):
    finance = make_user("fin", is_finance=True)
    payout, _ = request_payout(settled, lin, "500.00", "k")
    decide_payout(payout.pk, finance, approve=True, day=datetime.date(2026, 3, 15))
    call_command("settle", "2026-03")
    client.force_login(lin)
    body = client.get(reverse("dashboard:statement", args=["moonlight", "2026-03"])).content
    body = body.decode()
    assert 'id="payouts">¥500.00' in body and 'id="closing_balance">¥20,266.05' in body


def test_the_rights_holder_sees_royalties_and_a_statement(client, settled):
    client.force_login(User.objects.get(username="zhwx"))
    page = client.get(reverse("dashboard:holder")).content.decode()
    assert "¥6,769.65" in page
    st = client.get(reverse("dashboard:holder_statement", args=["2026-02"])).content.decode()
    assert 'id="closing_balance">¥6,769.65' in st


def test_a_member_of_another_studio_gets_nothing(client, settled):
    stranger = make_user("stranger")
    from creators.services import create_studio
    create_studio(stranger, "别家", slug="elsewhere")
    client.force_login(stranger)
    series = settled.series.first().slug
    for url in [
        reverse("dashboard:studio", args=["moonlight"]),
        reverse("dashboard:data", args=["moonlight"]),
        reverse("dashboard:drill", args=["moonlight", "2026-02"]),
        reverse("dashboard:series", args=["moonlight", series]),
        reverse("dashboard:payouts", args=["moonlight"]),
        reverse("dashboard:statement", args=["moonlight", "2026-02"]),
        reverse("dashboard:statement_csv", args=["moonlight", "2026-02"]),
        reverse("dashboard:holder"),
        reverse("dashboard:holder_statement", args=["2026-02"]),
    ]:
        r = client.get(url)
        assert r.status_code == 404, url
    assert client.post(reverse("dashboard:payouts", args=["moonlight"]),
                       {"amount": "200", "key": "x"}).status_code == 404


def test_the_series_page_sets_cost_of_making_beside_revenue(client, settled, lin):
    from creators.models import Episode
    from generation.models import Job

    ep = Episode.objects.get(ref="EP-BK-001")
    Job.objects.create(studio=settled, created_by=lin, episode=ep, kind=Job.Kind.choices[0][0],
                       model_key="m", price=40, state="succeeded", run_seconds=100.0)
    from storyboard.models import Shot, Storyboard

    # A storyboard shot's clip job names no episode: it is found through the shot.
    clip = Job.objects.create(studio=settled, created_by=lin, kind=Job.Kind.choices[0][0],
                              model_key="m", price=2, state="succeeded", run_seconds=20.5)
    board = Storyboard.objects.create(episode=ep)
    Shot.objects.create(storyboard=board, order=1, duration=Decimal("2"), clip_job=clip,
                        grid_jobs=[str(clip.id), "not-a-job"])
    client.force_login(lin)
    body = client.get(reverse("dashboard:series", args=["moonlight", ep.series.slug]))
    body = body.content.decode()
    cost = (Decimal("120.5") * Decimal(settings.GPU_COST_PER_SECOND)).quantize(Decimal("0.01"))
    assert f'id="cost">¥{cost}' in body
    assert "42 " in body and "120.50" in body
    assert "License" in body or "授权" in body


def test_the_estimate_prices_unsettled_lines_and_charts_follow_settlement(
        client, settled, lin, tmp_path):
    # 2026-03-01 falls under the policy of 2026-02-10: 2D premium 40, exclusive ×2, ad ×2.
    # minute part 1000 × 0.0005 × 40 × 2 = 40.00, ad part 100.00 × 2 = 200.00, base 240.00,
    # royalty 30 % = 72.00, studio share 168.00.
    csv = tmp_path / "mar.csv"
    csv.write_text("date,episode_ref,valid_views,valid_minutes,ad_revenue\n"
                   "2026-03-01,EP-BK-001,1000,1000.00,100.00\n")
    client.force_login(lin)
    data_url = reverse("dashboard:data", args=["moonlight"])
    before = client.get(data_url, {"days": 30}).json()
    call_command("import_revenue", str(csv), platform="hongguo")
    page = client.get(reverse("dashboard:studio", args=["moonlight"])).content.decode()
    assert 'id="estimate">¥168.00' in page
    call_command("settle", "2026-03")
    after = client.get(data_url, {"days": 30}).json()
    assert before["to"] == "2026-02-28" or before["to"] < "2026-03-01"
    assert after["to"] == "2026-03-01" and after["daily"][-1]["revenue"] == "168.00"


def test_money_is_grouped_to_the_fen_and_never_shown_unrounded(client, settled, lin):
    client.force_login(lin)
    drill = client.get(reverse("dashboard:drill", args=["moonlight", "2026-02"])).content.decode()
    cells = re.findall(r'<td class="num">([^<]*)</td>', drill)
    money = [c for c in cells if "¥" in c]
    assert money and all(re.fullmatch(r"-?¥[0-9]{1,3}(,[0-9]{3})*\.[0-9]{2}", c) for c in money)
    assert not [c for c in cells if re.search(r"\.[0-9]{5,}", c)]  # 30291.3000000000
    assert "¥15,795.85" in money and "0" not in cells
    page = client.get(reverse("revenue:statement", args=["studio", "moonlight", "2026-02"]))
    assert "¥20,766.05" in page.content.decode()


def test_the_drill_names_the_coefficients_in_the_readers_language(client, settled, lin):
    client.force_login(lin)
    url = reverse("dashboard:drill", args=["moonlight", "2026-02"])
    zh = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "分钟单价 0.0005 × 品类" in zh and "; ad ×" not in zh
    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "minute price 0.0005 × category" in en
