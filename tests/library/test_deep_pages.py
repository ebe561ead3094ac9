"""Pages beyond the count cap are read by the database's offset, not by bringing every id
before them to Python; paging still reaches every IP once, newest first."""

import pytest

from library import conf, queries, services
from library.models import IP

pytestmark = pytest.mark.django_db


def test_every_ip_is_on_exactly_one_page_across_the_count_cap(holder, monkeypatch):
    for i in range(13):
        services.create_ip(holder, title=f"深页 {i:02d}", kind="novel")
    monkeypatch.setattr(conf, "COUNT_CAP", 5)
    monkeypatch.setattr(conf, "PAGE_SIZE", 2)
    seen, page = [], 1
    while True:
        result = queries.search_ips(page=page)
        seen += [ip.pk for ip in result.items]
        assert result.count == 5 and result.count_capped
        if not result.has_next:
            break
        page += 1
    assert page == 7
    assert seen == list(IP.objects.order_by("-id").values_list("id", flat=True))


def test_a_deep_page_brings_only_its_own_ids(holder, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(30):
        services.create_ip(holder, title=f"远页 {i:02d}", kind="comic")
    monkeypatch.setattr(conf, "COUNT_CAP", 5)
    monkeypatch.setattr(conf, "PAGE_SIZE", 2)
    with CaptureQueriesContext(connection) as captured:
        result = queries.search_ips(page=12)
    assert [ip.title for ip in result.items] == ["远页 07", "远页 06"]
    # The cap's ids, then the page's own: never LIMIT 25 (all ids up to page 12).
    limits = [q["sql"] for q in captured.captured_queries if "LIMIT" in q["sql"]]
    assert any("LIMIT 6" in sql for sql in limits)
    assert any("LIMIT 3 OFFSET 22" in sql for sql in limits), limits
