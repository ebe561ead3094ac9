"""Site-wide pages: the error pages in both languages, the favicon, and layout rules that
every page shares (wide tables, at a phone's width)."""

import pytest
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from tests.conftest import PASSWORD, make_user


@pytest.fixture
def reviewer(db):
    return make_user("reviewer", is_reviewer=True)


def _in_language(client, language: str) -> None:
    client.post(reverse("set_language"), {"language": language, "next": "/"})


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("language", "heading", "home"), [
    ("zh-hans", "你无权打开此页面", "返回首页"),
    ("en", "You may not open this page", "Back to the home page"),
])
def test_a_reviewer_who_is_not_staff_gets_the_sites_403_page(client, reviewer, language, heading, home):
    client.login(username="reviewer", password=PASSWORD)
    _in_language(client, language)
    response = client.get(reverse("review:stats"))
    body = response.content.decode()
    assert response.status_code == 403
    assert f'<html lang="{language}">' in body
    assert heading in body and home in body
    assert 'class="topbar"' in body  # the site header, not a bare "403 Forbidden"
    assert 'data-testid="username">reviewer<' in body


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("language", "heading"), [
    ("zh-hans", "页面不存在"), ("en", "Page not found"),
])
def test_an_unknown_address_gets_the_sites_404_page(client, db, language, heading):
    _in_language(client, language)
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert f'<html lang="{language}">' in body
    assert heading in body
    assert 'href="/"' in body and 'class="topbar"' in body


@pytest.mark.parametrize(("language", "heading"), [("zh-hans", "出错了"), ("en", "Something went wrong")])
def test_the_500_page_renders_without_a_request_or_the_database(language, heading):
    # Django's server_error renders it with no context at all; no db fixture, so any
    # query would fail the test.
    with translation.override(language):
        body = get_template("500.html").render()
    assert f'<html lang="{language}">' in body
    assert heading in body and 'href="/"' in body


def _fetch(client, url: str):
    response = client.get(url)
    # WhiteNoise answers static files with a streaming response.
    return response, b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon, content = _fetch(client, response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/png" and content.startswith(b"\x89PNG")


@pytest.mark.django_db
def test_every_page_names_its_icon(client):
    body = client.get(reverse("home")).content.decode()
    href = body.split('<link rel="icon" href="', 1)[1].split('"', 1)[0]
    icon, content = _fetch(client, href)
    assert icon.status_code == 200 and b"<svg" in content


WIDE_TABLE_JS = """() => {
  const cells = n => Array.from({length: n}, (_, i) => `<td class="num">2024-01-${10 + i} 12,345.67</td>`).join('');
  const table = document.createElement('table');
  table.className = 'data';
  table.innerHTML = `<thead><tr><th>日期</th>${cells(12)}</tr></thead><tbody><tr><td>EP-0001</td>${cells(12)}</tr></tbody>`;
  document.querySelector('main.page').appendChild(table);
  const box = table.getBoundingClientRect();
  return {page: document.documentElement.scrollWidth, viewport: window.innerWidth,
          right: box.right, scrolls: table.scrollWidth > table.clientWidth,
          overflow: getComputedStyle(table).overflowX,
          numHeight: table.querySelector('td.num').getBoundingClientRect().height,
          refHeight: table.querySelector('td').getBoundingClientRect().height};
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_a_wide_table_scrolls_in_its_own_box_on_a_phone(asgi_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(asgi_server.url + "/")
    probe = page.evaluate(WIDE_TABLE_JS)
    assert probe["page"] <= probe["viewport"], probe  # the page itself does not scroll sideways
    assert probe["right"] <= probe["viewport"], probe
    assert probe["scrolls"] and probe["overflow"] == "auto", probe
    assert probe["numHeight"] <= probe["refHeight"] + 1, probe  # amounts stay on one line


@pytest.mark.browser
@pytest.mark.slow
def test_a_narrow_table_still_spans_the_page_on_a_desktop(asgi_server, page):
    page.goto(asgi_server.url + "/")
    widths = page.evaluate("""() => {
      const table = document.createElement('table');
      table.className = 'data';
      table.innerHTML = '<tr><td>a</td><td>b</td></tr>';
      const main = document.querySelector('main.page');
      main.appendChild(table);
      return [table.getBoundingClientRect().width, main.clientWidth - 48];
    }""")
    assert widths[0] >= widths[1] - 1, widths


# Every text ECharts drew (its zrender tspans): axis labels and legend, in the chart's pixels.
CHART_TEXT_JS = """id => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  const texts = chart.getZr().storage.getDisplayList(true).filter(el => el.type === 'tspan' && el.style.text);
  return {width: chart.getWidth(), texts: texts.map(el => {
    const box = el.getBoundingRect().clone();
    if (el.transform) box.applyTransform(el.transform);
    return {text: String(el.style.text), left: box.x, right: box.x + box.width};
  })};
}"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_dashboard_charts_axis_labels_are_not_clipped(asgi_server, chromium, language):
    from creators.models import User
    from tests.conftest import browser_login
    from tests.dashboard.test_worked_example import load_worked_example

    load_worked_example()
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    try:
        browser_login(context, User.objects.get(username="lin"), asgi_server.url)
        page = context.new_page()
        page.goto(f"{asgi_server.url}/dashboard/moonlight/")
        page.wait_for_selector("#charts[data-ready]")
        for chart in ("chart-daily", "chart-series", "chart-per-minute"):
            drawn = page.evaluate(CHART_TEXT_JS, chart)
            assert drawn["texts"], chart
            clipped = [t for t in drawn["texts"] if t["left"] < 0 or t["right"] > drawn["width"]]
            assert not clipped, (chart, clipped)
    finally:
        context.close()


PHONE_FORM_JS = """async () => {
  const main = document.querySelector('main.page');
  main.insertAdjacentHTML('beforeend', `
    <table class="data" id="t"><thead><tr>${'<th>结算期间</th>'.repeat(8)}</tr></thead>
      <tbody><tr>${'<td class="num">¥12,345.67</td>'.repeat(8)}</tr></tbody></table>
    <form class="form card" id="f"><div class="field"><label>Exclusive</label>
      <input type="checkbox" id="c"></div>
      <div class="field has-error"><label>Category</label><select id="s"><option>a</option></select></div>
      <ul class="errorlist" id="e"><li>This field is required.</li></ul></form>
    <div class="card" id="second">next</div>
    <section class="card"><div class="shot-body" id="shot"><div><textarea></textarea></div>
      <div style="display:flex;gap:1rem;flex-wrap:wrap">${'<img style="width:90px;height:160px">'.repeat(3)}</div></div></section>`);
  const link = document.createElement('link');
  link.rel = 'stylesheet'; link.href = '/static/css/storyboard.css';
  await new Promise(done => { link.onload = done; document.head.appendChild(link); });
  const box = id => document.getElementById(id).getBoundingClientRect();
  const th = document.querySelector('#t th');
  const field = document.getElementById('c').parentElement.getBoundingClientRect();
  window.scrollTo(0, 600);
  return {
    viewport: window.innerWidth, page: document.documentElement.scrollWidth,
    topbarAfterScroll: document.querySelector('.topbar').getBoundingClientRect().bottom,
    thLines: (() => { const st = getComputedStyle(th);
      const text = th.getBoundingClientRect().height - parseFloat(st.paddingTop) - parseFloat(st.paddingBottom);
      return Math.round(text / parseFloat(st.lineHeight)); })(),
    checkboxLeft: box('c').left - field.left,
    selectBorder: getComputedStyle(document.getElementById('s')).borderTopColor,
    errorColor: getComputedStyle(document.getElementById('e')).color,
    errorBullet: getComputedStyle(document.getElementById('e')).listStyleType,
    cardGap: box('second').top - box('f').bottom,
    shotRight: document.querySelector('#shot > div:last-child').getBoundingClientRect().right, mainRight: document.querySelector('main.page').getBoundingClientRect().right,
  };
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_a_phone_gets_the_screen_to_itself_and_forms_that_read_right(asgi_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(asgi_server.url + "/")
    page.evaluate("document.documentElement.style.minHeight = '3000px'")
    probe = page.evaluate(PHONE_FORM_JS)

    problems = {
        "the page scrolls sideways": probe["page"] > probe["viewport"],
        "the header stays on screen": probe["topbarAfterScroll"] > 0,
        "a table heading wraps": probe["thLines"] != 1,
        "a checkbox sits in the middle of its field": probe["checkboxLeft"] >= 8,
        "an invalid select has no red border": probe["selectBorder"] != probe["errorColor"],
        "an error list is unstyled": probe["errorBullet"] != "none"
        or probe["errorColor"] == "rgb(0, 0, 0)",
        "two cards touch": probe["cardGap"] < 12,
        "a shot's columns overflow the page": probe["shotRight"] > probe["mainRight"] + 0.5,
    }
    assert [name for name, bad in problems.items() if bad] == [], probe


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(("language", "first_face"), [("en", "system-ui"), ("zh-hans", '"PingFang SC"')])
def test_an_english_page_reads_in_a_latin_face_first(asgi_server, page, language, first_face):
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": asgi_server.url}])
    page.goto(asgi_server.url + "/")
    face = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert face.split(",")[0].strip() == first_face, face


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_phone_lays_the_main_links_out_in_rows_under_the_brand(asgi_server, chromium,
                                                                  language):
    """Staff see five sections; squeezed beside the brand they stood in a column of four
    lines, and the header took a third of the screen before the page began."""
    from tests.conftest import browser_login

    boss = make_user("boss", is_staff=True, is_superuser=True, is_reviewer=True)
    context = chromium.new_context(viewport={"width": 375, "height": 740})
    try:
        browser_login(context, boss, asgi_server.url)
        context.add_cookies([{"name": "django_language", "value": language,
                              "url": asgi_server.url}])
        page = context.new_page()
        page.goto(asgi_server.url + "/review/")
        probe = page.evaluate("""() => {
          const links = [...document.querySelectorAll('.mainnav a')];
          return {links: links.length,
                  rows: new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size,
                  header: document.querySelector('.topbar').getBoundingClientRect().height,
                  page: document.documentElement.scrollWidth, viewport: innerWidth};
        }""")
    finally:
        context.close()
    assert probe["links"] >= 5, probe
    assert probe["rows"] <= 2 and probe["header"] <= 160, probe
    assert probe["page"] <= probe["viewport"], probe


def test_the_menu_and_home_page_offer_what_each_role_has(client, db):
    """A reviewer with no studio is sent to the queue, not round in a loop through 'my
    studio', and is not shown earnings and revenue pages that hold nothing for them."""
    reviewer = make_user("judge", is_reviewer=True, is_creator=False)
    client.force_login(reviewer)
    client.cookies["django_language"] = "en"
    home = client.get(reverse("home")).content.decode()
    assert reverse("review:index") in home and "Open the review queue" in home
    assert "Go to my studio" not in home
    assert 'data-nav="dashboard"' not in home and 'data-nav="revenue"' not in home

    fin = make_user("fin", is_finance=True, is_creator=False)
    client.force_login(fin)
    home = client.get(reverse("home")).content.decode()
    assert 'data-nav="dashboard"' in home and 'data-nav="revenue"' in home
    assert "Open finance" in home and "Go to my studio" not in home
    assert '<a href="/revenue/" data-nav="revenue">Finance</a>' in home

    from creators.services import create_studio

    maker = make_user("maker")
    create_studio(maker, "Maker", slug="maker")
    client.force_login(maker)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("creators:studio", args=["maker"])}"' in home
    assert 'data-nav="dashboard"' in home
    # The two money links say what each holds: the charts, and the statements.
    assert '<a href="/revenue/" data-nav="revenue">Statements</a>' in home
