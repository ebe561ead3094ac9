"""bench/common.py: what the Django benches share still fits the code they measure."""

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages, info
from django.test import RequestFactory

from bench.common import bench_policy, page_request, percentile


def test_percentile_is_nearest_rank():
    values = [5, 1, 4, 2, 3]
    assert percentile(values, 0) == 1
    assert percentile(values, 50) == 3
    assert percentile(values, 100) == 5
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([7], 95) == 7


def test_page_request_carries_what_a_view_called_directly_needs():
    request = page_request(RequestFactory(), "/library/", AnonymousUser(), {"q": "修仙"})
    assert request.GET["q"] == "修仙"
    assert not request.user.is_authenticated
    info(request, "saved")  # a view's messages.* call must not raise without middleware
    assert [str(m) for m in get_messages(request)] == ["saved"]


def test_bench_policy_is_one_the_revenue_service_accepts(db):
    from revenue.services import create_policy

    policy = create_policy(bench_policy("2025-01-01"))
    assert str(policy.valid_from) == "2025-01-01"
    assert Decimal(policy.data["minute_price"]) == Decimal("0.0005")


def test_no_bench_script_is_named_after_a_package_the_libraries_look_for():
    """`python bench/x.py` puts bench/ first on sys.path, so a script there named like an
    optional package makes diffusers or transformers find it and import from it: with a
    bench/kernels.py, diffusers 0.42 took it for Hugging Face's `kernels` and every
    pipeline import failed (cannot import name 'CUDAProperties' from 'kernels')."""
    import re
    from pathlib import Path

    import diffusers.utils.import_utils as d_utils
    import transformers.utils.import_utils as t_utils

    probed = set()
    for module in (d_utils, t_utils):
        source = Path(module.__file__).read_text()
        probed |= set(re.findall(r'_is_package_available\(\s*"([A-Za-z0-9_]+)"', source))
    assert {"kernels", "peft", "accelerate"} <= probed  # the probes were read
    scripts = {p.stem for p in (Path(__file__).parents[1] / "bench").rglob("*.py")}
    assert not scripts & probed
