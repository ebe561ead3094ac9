"""Library pages: search, IP detail and apply, holder pages, and what outsiders see."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from library import services
from library.models import IP, License, LicenseApplication
from tests.library.conftest import terms

D = datetime.timedelta


@pytest.fixture
def application(owner, studio, ip):
    today = timezone.localdate()
    return services.apply_for_license(owner, studio, ip, **terms(
        starts_on=today, ends_on=today + D(days=200), minimum_guarantee=Decimal("777.00")))


def test_search_filters_by_title_author_tag_kind_and_exclusive(client, holder, studio):
    a = services.create_ip(holder, title="都市至尊", original_author="张三", kind="novel",
                           tags=["都市异能"])
    b = services.create_ip(holder, title="修仙漫画", original_author="李四", kind="comic",
                           tags=["修仙"])
    c = services.create_ip(holder, title="末日剧本", original_author="张三", kind="script",
                           tags=["末日"], exclusive_allowed=False)
    d = services.create_ip(holder, title="都市二", original_author="王五", kind="novel")
    today = timezone.localdate()
    services.grant_license(d, studio, **terms(exclusive=False, starts_on=today,
                                              ends_on=today + D(days=30)))

    def found(**params):
        response = client.get(reverse("library:index"), params)
        assert response.status_code == 200
        return {ip.slug for ip in response.context["result"].items}

    assert found(title="都市") == {a.slug, d.slug}
    assert found(author="张三") == {a.slug, c.slug}
    assert found(tag="修仙") == {b.slug}
    assert found(tag="nope") == set()
    assert found(kind="script") == {c.slug}
    assert found(exclusive="on") == {a.slug, b.slug}


def test_search_paginates(client, holder, settings, monkeypatch):
    from library import conf

    monkeypatch.setattr(conf, "PAGE_SIZE", 2)
    for i in range(5):
        services.create_ip(holder, title=f"Book {i}", kind="novel")
    first = client.get(reverse("library:index")).context["result"]
    third = client.get(reverse("library:index"), {"page": 3}).context["result"]
    assert [ip.title for ip in first.items] == ["Book 4", "Book 3"] and first.has_next
    assert [ip.title for ip in third.items] == ["Book 0"] and not third.has_next
    assert first.count == 5


def test_a_member_applies_from_the_ip_page(client, member, studio, ip, holder):
    client.force_login(member)
    page = client.get(reverse("library:ip", args=[ip.slug]))
    assert b"apply-form" in page.content and "玄幻" in page.content.decode()
    today = timezone.localdate()
    response = client.post(reverse("library:apply", args=[ip.slug]), {
        "studio": studio.pk, "exclusive": "on", "starts_on": today,
        "ends_on": today + D(days=90), "licensor_share": "0.35",
        "minimum_guarantee": "100.00", "territories": "CN", "note": "please"})
    application = LicenseApplication.objects.get()
    assert response.status_code == 302 and application.applicant == member
    assert application.licensor_share == Decimal("0.35")


def test_a_user_cannot_apply_for_a_studio_they_are_not_in(client, outsider, studio, ip):
    client.force_login(outsider)
    today = timezone.localdate()
    response = client.post(reverse("library:apply", args=[ip.slug]), {
        "studio": studio.pk, "starts_on": today, "ends_on": today + D(days=9),
        "licensor_share": "0.3", "minimum_guarantee": "0", "territories": "CN"})
    assert response.status_code == 400 and not LicenseApplication.objects.exists()


def test_the_holder_lists_and_edits_an_ip(client, holder):
    client.force_login(holder)
    response = client.post(reverse("library:ip_create"), {
        "title": "New Novel", "original_author": "Me", "kind": "novel", "synopsis": "s",
        "exclusive_allowed": "on", "licensor_share": "0.25", "minimum_guarantee": "0",
        "term_months": "24", "territories": "CN", "tags": "玄幻, 系统、女频"})
    ip = IP.objects.get(title="New Novel")
    assert response.status_code == 302 and ip.rights_holder == holder
    assert sorted(t.name for t in ip.tags.all()) == sorted(["玄幻", "系统", "女频"])
    assert "New Novel" in client.get(reverse("library:holder")).content.decode()
    client.post(reverse("library:ip_edit", args=[ip.slug]), {
        "title": "Renamed", "kind": "novel", "licensor_share": "0.25",
        "minimum_guarantee": "0", "term_months": "24", "territories": "CN", "tags": "末日"})
    ip.refresh_from_db()
    assert ip.title == "Renamed" and [t.name for t in ip.tags.all()] == ["末日"]


def test_creators_cannot_list_or_edit_ips(client, owner, ip):
    client.force_login(owner)
    assert client.get(reverse("library:ip_create")).status_code == 403
    assert client.get(reverse("library:holder")).status_code == 403
    assert client.get(reverse("library:ip_edit", args=[ip.slug])).status_code == 404


def test_the_holder_accepts_from_the_page(client, holder, application, studio):
    client.force_login(holder)
    page = client.get(reverse("library:application", args=[application.pk])).content.decode()
    assert "777.00" in page
    client.post(reverse("library:accept", args=[application.pk]), {"note": "welcome"})
    license = License.objects.get()
    assert license.studio == studio and license.minimum_guarantee == Decimal("777.00")


def test_the_holder_counters_and_the_studio_accepts(client, holder, owner, application):
    client.force_login(holder)
    today = timezone.localdate()
    client.post(reverse("library:counter", args=[application.pk]), {
        "exclusive": "on", "starts_on": today, "ends_on": today + D(days=100),
        "licensor_share": "0.5", "minimum_guarantee": "900.00", "territories": "CN"})
    application.refresh_from_db()
    assert application.status == "countered"
    client.force_login(owner)
    client.post(reverse("library:accept", args=[application.pk]))
    assert License.objects.get().licensor_share == Decimal("0.5")


def test_the_holder_declines(client, holder, application):
    client.force_login(holder)
    client.post(reverse("library:decline", args=[application.pk]))
    application.refresh_from_db()
    assert application.status == "declined"


def test_another_studio_cannot_see_or_act_on_an_application(
        client, outsider, application):
    client.force_login(outsider)
    detail = client.get(reverse("library:application", args=[application.pk]))
    assert detail.status_code == 404 and b"777.00" not in detail.content
    for name in ("accept", "decline"):
        assert client.post(reverse(f"library:{name}", args=[application.pk])).status_code == 404
    today = timezone.localdate()
    response = client.post(reverse("library:counter", args=[application.pk]), {
        "starts_on": today, "ends_on": today, "licensor_share": "0.9",
        "minimum_guarantee": "0", "territories": "CN"})
    assert response.status_code == 404
    listing = client.get(reverse("library:applications")).content.decode()
    assert "Book of Dawn" not in listing
    application.refresh_from_db()
    assert application.status == "pending" and application.licensor_share == Decimal("0.3")


def test_another_studio_does_not_see_our_licenses(client, holder, outsider, application):
    services.accept_application(holder, application)
    client.force_login(outsider)
    assert "Book of Dawn" not in client.get(reverse("library:licenses")).content.decode()


def test_a_member_cannot_counter_their_own_application(client, member, application):
    client.force_login(member)
    today = timezone.localdate()
    response = client.post(reverse("library:counter", args=[application.pk]), {
        "starts_on": today, "ends_on": today, "licensor_share": "0.0",
        "minimum_guarantee": "0", "territories": "CN"})
    assert response.status_code == 403


def test_studio_licenses_close_to_expiry_are_flagged(client, holder, owner, studio, ip):
    today = timezone.localdate()
    services.grant_license(ip, studio, **terms(exclusive=False, starts_on=today - D(days=300),
                                               ends_on=today + D(days=10)))
    other = services.create_ip(holder, title="Long One", kind="comic")
    services.grant_license(other, studio, **terms(exclusive=False, starts_on=today,
                                                  ends_on=today + D(days=300)))
    client.force_login(owner)
    response = client.get(reverse("library:licenses"))
    flags = {lic.ip.title: lic.expiring_soon for lic in response.context["studio_licenses"]}
    assert flags == {"Book of Dawn": True, "Long One": False}
    assert response.content.decode().count("data-expiring") == 1


def test_the_demo_loads_twice_without_duplicates(db):
    from creators.services import create_studio
    from library import demo
    from tests.conftest import make_user

    make_user("zhwx", is_rights_holder=True)
    create_studio(make_user("lin"), "月光动画", slug="moonlight")
    create_studio(make_user("chen"), "竹林影业", slug="bamboo")
    demo.load()
    demo.load()
    assert IP.objects.filter(rights_holder__username="zhwx").count() == 5
    assert IP.objects.get(slug="moshi-jiayuan").tags.count() == 2
    assert License.objects.count() == 1 and LicenseApplication.objects.count() == 1


def test_the_holder_uploads_a_cover_and_anyone_sees_it(client, holder, tmp_path, settings):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), "red").save(buffer, "PNG")
    client.force_login(holder)
    client.post(reverse("library:ip_create"), {
        "title": "Covered", "kind": "comic", "licensor_share": "0.3",
        "minimum_guarantee": "0", "term_months": "12", "territories": "CN",
        "cover": SimpleUploadedFile("c.png", buffer.getvalue(), "image/png")})
    ip = IP.objects.get(title="Covered")
    assert ip.cover.name.startswith("ip/covers/")
    client.post(reverse("library:ip_edit", args=[ip.slug]), {
        "title": "Covered 2", "kind": "comic", "licensor_share": "0.3",
        "minimum_guarantee": "0", "term_months": "12", "territories": "CN"})
    ip.refresh_from_db()
    assert ip.title == "Covered 2" and ip.cover.name.startswith("ip/covers/")
    client.logout()
    assert client.get(ip.cover.url).status_code == 200


def test_a_bad_cover_is_refused(client, holder):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(holder)
    response = client.post(reverse("library:ip_create"), {
        "title": "Bad", "kind": "comic", "licensor_share": "0.3", "minimum_guarantee": "0",
        "term_months": "12", "territories": "CN",
        "cover": SimpleUploadedFile("c.png", b"not an image", "image/png")})
    assert response.status_code == 400 and not IP.objects.filter(title="Bad").exists()


def test_title_search_ignores_case_for_short_and_long_terms(client, holder):
    services.create_ip(holder, title="Dragon King", original_author="Ann Lee", kind="novel")
    services.create_ip(holder, title="Quiet Sea", original_author="Bo", kind="novel")

    def titles(**params):
        result = client.get(reverse("library:index"), params).context["result"]
        return [ip.title for ip in result.items]

    assert titles(title="dr") == ["Dragon King"]
    assert titles(title="KING") == ["Dragon King"]
    assert titles(author="ann") == ["Dragon King"]
    assert titles(author="lee") == []  # authors match from the start of the name


def test_the_search_page_runs_a_fixed_number_of_queries(client, holder, django_assert_max_num_queries):
    for i in range(30):
        services.create_ip(holder, title=f"Book {i}", kind="novel", tags=["玄幻", f"t{i}"])
    with django_assert_max_num_queries(6):
        response = client.get(reverse("library:index"), {"tag": "玄幻", "exclusive": "on"})
    assert len(response.context["result"].items) == 24


def test_the_licensor_share_reads_as_a_percentage(client, holder, owner, application, ip):
    """The IP's terms, the application and the license tables read 30%, not 0.3000."""
    client.force_login(owner)
    assert ">30%</td>" in client.get(reverse("library:ip", args=[ip.slug])).content.decode()
    client.force_login(holder)
    page = client.get(reverse("library:application", args=[application.pk])).content.decode()
    assert ">30%</td>" in page
    client.post(reverse("library:accept", args=[application.pk]), {"note": ""})
    assert ">30%</td>" in client.get(reverse("library:licenses")).content.decode()


@pytest.mark.parametrize("days, english, chinese", [
    (0, "Expires today", "今天到期"), (1, "Expires in 1 day", "1 天后到期"),
    (10, "Expires in 10 days", "10 天后到期")])
def test_a_licence_close_to_expiry_says_how_long_in_the_readers_language(
        client, owner, studio, ip, days, english, chinese):
    """English counts in the singular for one day ("1 days" read as a slip) and says today
    for none; Chinese has one form."""
    from tests.conftest import logged_in

    today = timezone.localdate()
    services.grant_license(ip, studio, **terms(exclusive=False, starts_on=today - D(days=300),
                                               ends_on=today + D(days=days)))
    for language, sentence in (("en", english), ("zh-hans", chinese)):
        page = logged_in(client, owner, language).get(reverse("library:licenses"))
        assert page.status_code == 200
        assert f"data-expiring>{sentence}</span>" in page.content.decode()


def test_the_search_counts_one_ip_in_the_singular(client, holder, ip):
    from tests.conftest import logged_in

    text = logged_in(client, holder, "en").get(reverse("library:index")).content.decode()
    assert "<p class=\"muted\" data-count>1 IP</p>" in text
    services.create_ip(holder, title="Book of Dusk", kind="novel")
    text = client.get(reverse("library:index")).content.decode()
    assert "<p class=\"muted\" data-count>2 IPs</p>" in text
    text = logged_in(client, holder, "zh-hans").get(reverse("library:index")).content.decode()
    assert "<p class=\"muted\" data-count>2 个 IP</p>" in text
