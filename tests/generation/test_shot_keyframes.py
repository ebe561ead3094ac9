"""The shot form starts (and ends) on any finished keyframe of the studio: the page lists
the 30 newest, older ones a page further or found by their prompt, and the server takes
any of the studio's own, nothing else."""

import re

import pytest
from django.urls import reverse

from generation import credits
from generation.models import Job
from tests.conftest import logged_in
from tests.generation.conftest import dated_jobs

pytestmark = pytest.mark.django_db

JOBS = reverse("generation:studio_jobs", args=["dawn"])
SHOT = reverse("generation:submit_shot", args=["dawn"])


def make_keyframes(studio, count: int, prompt: str = "KF-{n:04d}", start: int = 0,
                   **fields) -> list[Job]:
    """count keyframes (finished unless a state is given), oldest first."""
    return dated_jobs(studio, count, start=start, prompt=prompt, **fields)


@pytest.fixture
def owner_client(client, owner):
    return logged_in(client, owner, "en")


def options(response, name: str = "first_job") -> list[str]:
    """The job ids the shot form's select offers."""
    page = response.content.decode()
    select = page[page.index(f'<select name="{name}"'):]
    select = select[:select.index("</select>")]
    return [v for v in re.findall(r'<option value="([^"]*)"', select) if v]


def shot(first, last="", **extra) -> dict:
    return {"model": "tiny-motion", "prompt": "镜头推进", "frames": "5",
            "first_job": str(first), "last_job": str(last), **extra}


def test_the_form_lists_the_30_newest_and_links_to_older_ones(owner_client, studio):
    keyframes = make_keyframes(studio, 35)

    response = owner_client.get(JOBS)

    assert options(response) == [str(k.pk) for k in reversed(keyframes[5:])]
    assert f'href="{JOBS}?kf_page=2"' in response.content.decode()


def test_older_keyframes_are_offered_a_page_further(owner_client, studio):
    keyframes = make_keyframes(studio, 35)

    response = owner_client.get(JOBS, {"kf_page": 2})

    assert options(response) == [str(k.pk) for k in reversed(keyframes[:5])]
    assert options(response, "last_job") == options(response)
    assert f'href="{JOBS}?kf_page=1"' in response.content.decode()


def test_a_keyframe_is_found_by_its_prompt(owner_client, studio):
    old = make_keyframes(studio, 1, prompt="月下竹林，少女回眸")[0]
    make_keyframes(studio, 40, start=1)

    response = owner_client.get(JOBS, {"kf": "竹林"})

    assert options(response) == [str(old.pk)]
    assert 'value="竹林"' in response.content.decode()


def test_a_search_that_finds_nothing_says_so_and_keeps_the_search_box(owner_client, studio):
    make_keyframes(studio, 2)

    page = owner_client.get(JOBS, {"kf": "没有这个"}).content.decode()

    assert 'data-testid="no-keyframe-match"' in page and 'name="kf"' in page


def test_the_keyframe_search_keeps_the_jobs_page_and_filter(owner_client, studio):
    make_keyframes(studio, 2)

    page = owner_client.get(JOBS, {"page": 1, "state": "succeeded", "kf_page": 3}
                            ).content.decode()

    search = page[page.index('id="keyframe-search"'):]
    search = search[:search.index("</form>")]
    assert 'name="state" value="succeeded"' in search and 'name="page" value="1"' in search
    assert "kf_page" not in search  # a new search starts at its first page


def test_a_shot_can_start_and_end_on_keyframes_older_than_the_list(owner_client, studio):
    keyframes = make_keyframes(studio, 35)
    credits.grant(studio, 100)
    first, last = keyframes[0], keyframes[1]
    assert str(first.pk) not in options(owner_client.get(JOBS))

    response = owner_client.post(SHOT, shot(first.pk, last.pk))

    assert response.status_code == 302
    made = Job.objects.get(kind=Job.Kind.MOTION)
    assert made.params["first_job"] == str(first.pk)
    assert made.params["last_job"] == str(last.pk)
    assert made.params["first_image"] == first.outputs[0]["path"]


def test_a_refused_shot_keeps_the_older_keyframes_it_chose(owner_client, studio):
    keyframes = make_keyframes(studio, 35)
    first, last = keyframes[0], keyframes[2]

    response = owner_client.post(SHOT, shot(first.pk, last.pk, seed="-1"))

    assert response.status_code == 400
    page = response.content.decode()
    assert f'<option value="{first.pk}" selected>' in page
    assert f'<option value="{last.pk}" selected>' in page
    assert not Job.objects.filter(kind=Job.Kind.MOTION).exists()


INVALID = "Select a valid choice. {} is not one of the available choices."


def test_another_studios_keyframe_is_refused_as_before(client, studio, outsider,
                                                       other_studio):
    theirs = make_keyframes(studio, 1)[0]
    credits.grant(other_studio, 100)
    logged_in(client, outsider, "en")

    for data in (shot(theirs.pk), shot(make_keyframes(other_studio, 1)[0].pk, theirs.pk)):
        response = client.post(reverse("generation:submit_shot", args=["elsewhere"]), data)
        assert response.status_code == 400
        assert INVALID.format(theirs.pk) in response.content.decode()
        assert str(theirs.pk) not in options(response) + options(response, "last_job")
    assert not Job.objects.filter(kind=Job.Kind.MOTION).exists()
    assert credits.balance(other_studio) == 100


@pytest.mark.parametrize("kind", ["unfinished", "failed", "a shot", "malformed", "unknown"])
def test_only_a_finished_keyframe_of_the_studio_is_taken(owner_client, studio, kind):
    credits.grant(studio, 100)
    good = make_keyframes(studio, 1)[0]
    value = {
        "unfinished": lambda: make_keyframes(studio, 1, start=1, state=Job.State.RUNNING)[0].pk,
        "failed": lambda: make_keyframes(studio, 1, start=1, state=Job.State.FAILED)[0].pk,
        "a shot": lambda: make_keyframes(studio, 1, start=1, kind=Job.Kind.MOTION)[0].pk,
        "malformed": lambda: "not-a-uuid",
        "unknown": lambda: "00000000-0000-4000-8000-000000000000",
    }[kind]()

    for data in (shot(value), shot(good.pk, value)):
        response = owner_client.post(SHOT, data)
        assert response.status_code == 400
        assert INVALID.format(value) in response.content.decode()
    assert credits.balance(studio) == 100
