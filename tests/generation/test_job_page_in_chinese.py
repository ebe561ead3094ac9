"""The job page read in Chinese: the live badge's words, the worker's attempt and the
job's parameters are Chinese, not codes or a Python dict."""

import json
import re

import pytest

from generation.models import Job
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def zh_client(client, owner):
    return logged_in(client, owner, "zh-hans")


@pytest.fixture
def job(studio, owner):
    return Job.objects.create(
        studio=studio, created_by=owner, kind=Job.Kind.KEYFRAME, model_key="tiny-keyframe",
        price=1, state=Job.State.QUEUED, worker="gpu-1", attempt=2,
        params={"prompt": "竹林", "seed": 7, "steps": 8, "guidance": 5.0, "width": 72})


ZH_STATES = {"queued": "排队中", "running": "生成中", "succeeded": "已完成", "failed": "失败",
             "canceled": "已取消"}


def page_of(client, job) -> str:
    response = client.get(f"/generation/jobs/{job.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def state_labels(page: str) -> dict:
    found = re.search(r'<script id="generation-labels" type="application/json">(.*?)</script>',
                      page)
    assert found, "generation.js finds no #generation-labels and writes the raw state"
    return json.loads(found.group(1))


def test_it_gives_the_live_badge_the_chinese_words_of_every_state(zh_client, job):
    assert state_labels(page_of(zh_client, job)) == ZH_STATES


def test_the_jobs_list_gives_the_same_words(zh_client, job, studio):
    page = zh_client.get(f"/generation/s/{studio.slug}/").content.decode()

    assert state_labels(page) == ZH_STATES


def test_it_says_which_attempt_ran_the_job_in_chinese(zh_client, job):
    page = page_of(zh_client, job)

    assert "gpu-1 (第 2 次尝试)" in page
    assert "第几次" not in page


def test_a_job_not_yet_run_names_no_attempt(zh_client, job):
    Job.objects.filter(pk=job.pk).update(worker="", attempt=0)

    page = page_of(zh_client, job)
    assert "(第" not in page and "次尝试" not in page


def test_it_lists_the_parameters_by_their_chinese_names(zh_client, job):
    page = page_of(zh_client, job)

    params = re.search(r'<dl class="params" data-testid="params">(.*?)</dl>', page).group(1)
    assert params == ("<dt>提示词</dt><dd>竹林</dd><dt>种子</dt><dd>7</dd>"
                      "<dt>步数</dt><dd>8</dd><dt>引导系数</dt><dd>5.0</dd>"
                      "<dt>宽度（像素）</dt><dd>72</dd>")
    assert "{&#x27;" not in page and "{'" not in page  # no Python dict
