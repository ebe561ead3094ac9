"""Territories: typed as codes, checked on the server, stored upper-case, and read as names
in the reader's language on the IP and application pages."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from library.models import IP, LicenseApplication
from library.territories import names, normalise
from tests.conftest import logged_in

D = datetime.timedelta


@pytest.mark.parametrize("typed, stored", [
    ("cn", "CN"), ("CN，hk、 tw", "CN, HK, TW"), ("JP JP kr", "JP, KR"), ("ww", "WW")])
def test_typed_codes_are_stored_in_one_spelling(typed, stored):
    assert normalise(typed) == stored


@pytest.mark.parametrize("typed, message", [
    ("CN, XX, Mars", "Unknown territory code: XX, MARS."), ("", "Name at least one"),
    (" ，", "Name at least one"), ("WW, CN", "WW (worldwide) already covers")])
def test_unknown_empty_or_contradictory_lists_are_refused(typed, message):
    from django.utils.translation import override

    with override("en"), pytest.raises(ValidationError) as refused:
        normalise(typed)
    assert message in refused.value.messages[0]


def test_stored_codes_read_as_names_and_older_free_text_as_written():
    from django.utils.translation import override

    with override("en"):
        assert names("CN, HK") == "Mainland China, Hong Kong (China)"
    with override("zh-hans"):
        assert names("CN, HK, MO") == "中国大陆、中国香港、中国澳门"
        assert names("Greater China") == "Greater China"


def test_the_holder_types_codes_and_a_reader_sees_names(client, holder, member, studio):
    holder_client = logged_in(client, holder, "en")
    form = {"title": "New Novel", "original_author": "Me", "kind": "novel", "synopsis": "s",
            "licensor_share": "0.25", "minimum_guarantee": "0", "term_months": "24",
            "tags": ""}
    refused = holder_client.post(reverse("library:ip_create"), {**form, "territories": "CN, ZZ"})
    assert refused.status_code == 400 and not IP.objects.exists()
    body = html.unescape(refused.content.decode())
    assert "Unknown territory code: ZZ." in body and 'value="New Novel"' in body
    created = holder_client.post(reverse("library:ip_create"), {**form, "territories": "cn,hk"})
    assert created.status_code == 302
    ip = IP.objects.get()
    assert ip.territories == "CN, HK"
    page = logged_in(client, member, "zh-hans").get(reverse("library:ip", args=[ip.slug]))
    assert "<td data-territories>中国大陆、中国香港</td>" in page.content.decode()

    today = timezone.localdate()
    terms = {"studio": studio.pk, "starts_on": today, "ends_on": today + D(days=90),
             "licensor_share": "0.25", "minimum_guarantee": "0"}
    refused = client.post(reverse("library:apply", args=[ip.slug]), {**terms, "territories": "火星"})
    assert refused.status_code == 400 and not LicenseApplication.objects.exists()
    assert "未知的地区代码：火星。" in html.unescape(refused.content.decode())
    client.post(reverse("library:apply", args=[ip.slug]), {**terms, "territories": "hk"})
    application = LicenseApplication.objects.get()
    assert application.territories == "HK"
    page = logged_in(client, member, "en").get(
        reverse("library:application", args=[application.pk]))
    assert "<td data-territories>Hong Kong (China)</td>" in page.content.decode()


def test_the_services_check_territories_whoever_calls_them(holder, owner, studio, ip):
    """Not only the pages: the catalog import, the demo and the admin reach these too."""
    from django.utils.translation import override

    from library import services
    from tests.library.conftest import terms

    today = timezone.localdate()
    with override("en"):
        with pytest.raises(ValidationError, match="Unknown territory code: ZZ"):
            services.grant_license(ip, studio, **terms(exclusive=False, starts_on=today,
                                                       ends_on=today + D(days=30),
                                                       territories="ZZ"))
        with pytest.raises(ValidationError) as refused:
            services.update_ip(holder, ip, territories="Mars")
        assert "territories" in refused.value.message_dict
    ip.refresh_from_db()
    assert ip.territories == "CN"
    application = services.apply_for_license(owner, studio, ip, **terms(
        exclusive=False, starts_on=today, ends_on=today + D(days=30), territories="sg jp"))
    assert application.territories == "SG, JP"
    assert services.update_ip(holder, ip, territories="ww").territories == "WW"


def test_the_admin_refuses_an_unknown_territory(client, ip):
    from tests.conftest import make_user

    logged_in(client, make_user("root", is_staff=True, is_superuser=True), "en")
    url = reverse("admin:library_ip_change", args=[ip.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(title=ip.title, kind=ip.kind, rights_holder=ip.rights_holder_id,
                territories="CN, ZZ", tags=[t.pk for t in ip.tags.all()])
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Unknown territory code: ZZ." in html.unescape(response.content.decode())
    ip.refresh_from_db()
    assert ip.territories == "CN"


def test_the_license_tables_say_where_each_license_runs(client, owner, studio, ip):
    from library import services
    from tests.library.conftest import terms

    today = timezone.localdate()
    services.grant_license(ip, studio, **terms(exclusive=False, starts_on=today,
                                               ends_on=today + D(days=30), territories="hk mo"))
    page = logged_in(client, owner, "zh-hans").get(reverse("library:licenses"))
    assert "<td data-territories>中国香港、中国澳门</td>" in page.content.decode()


def _ticked(body: str) -> set[str]:
    """The territory codes a page's form has ticked."""
    import re

    return {m.group(1) for m in re.finditer(
        r'<input type="checkbox" name="territories" value="([A-Z]{2})"[^>]*\bchecked\b', body)}


def test_the_holder_ticks_territories_and_a_refused_form_keeps_the_ticks(client, holder):
    holder_client = logged_in(client, holder, "en")
    form = {"title": "Ticked", "original_author": "Me", "kind": "novel", "synopsis": "s",
            "licensor_share": "0.25", "minimum_guarantee": "0", "term_months": "24",
            "tags": ""}
    blank = holder_client.get(reverse("library:ip_create")).content.decode()
    assert _ticked(blank) == {"CN"} and "<legend>Territories</legend>" in blank
    refused = holder_client.post(reverse("library:ip_create"),
                                 {**form, "territories": ["WW", "JP"]})
    assert refused.status_code == 400 and not IP.objects.exists()
    body = html.unescape(refused.content.decode())
    assert "WW (worldwide) already covers every other territory." in body
    assert _ticked(body) == {"WW", "JP"}
    nothing = holder_client.post(reverse("library:ip_create"), {**form})
    assert nothing.status_code == 400
    assert "Name at least one territory." in html.unescape(nothing.content.decode())
    created = holder_client.post(reverse("library:ip_create"),
                                 {**form, "territories": ["JP", "KR", "JP"]})
    assert created.status_code == 302
    ip = IP.objects.get()
    assert ip.territories == "JP, KR"
    edit = holder_client.get(reverse("library:ip_edit", args=[ip.slug])).content.decode()
    assert _ticked(edit) == {"JP", "KR"}


def test_the_application_form_offers_the_ips_territories_ticked(client, member, ip):
    ip.territories = "HK, MO"
    ip.save(update_fields=["territories"])
    page = logged_in(client, member, "zh-hans").get(reverse("library:ip", args=[ip.slug]))
    body = page.content.decode()
    assert _ticked(body) == {"HK", "MO"}
    assert "中国澳门</label>" in body and "“全球”已包含所有地区：请单独勾选。" in body
