"""The jobs page in pages of 50, newest first: every older job (and its output) is one
"Next" away; a filter by state narrows the list; a new job brings the creator to page 1."""

import re

import pytest
from django.urls import reverse

from generation.models import Job
from tests.conftest import logged_in
from tests.generation.conftest import dated_jobs as make_jobs

pytestmark = pytest.mark.django_db

JOBS = reverse("generation:studio_jobs", args=["dawn"])


@pytest.fixture
def owner_client(client, owner):
    return logged_in(client, owner, "en")


def shown(response) -> list[str]:
    """The prompts of the job cards on the page, in order (not the shot form's keyframes)."""
    page = response.content.decode()
    return re.findall(r"JOB-\d{4}", page[page.index('data-testid="jobs"'):])


def test_the_first_page_shows_the_50_newest_and_links_to_the_next(owner_client, studio):
    make_jobs(studio, 55)

    response = owner_client.get(JOBS)

    assert response.status_code == 200
    assert shown(response) == [f"JOB-{n:04d}" for n in range(54, 4, -1)]
    page = response.content.decode()
    assert f'href="{JOBS}?page=2"' in page and "Page 1 of 2" in page


def test_older_jobs_and_their_outputs_are_on_the_next_page(owner_client, studio):
    make_jobs(studio, 55)

    response = owner_client.get(JOBS, {"page": 2})

    assert response.status_code == 200
    assert shown(response) == [f"JOB-{n:04d}" for n in range(4, -1, -1)]
    page = response.content.decode()
    assert f"/media/generation/{studio.pk}/job-0000.png" in page
    assert f'href="{JOBS}?page=1"' in page and "Page 2 of 2" in page


def test_a_page_number_that_is_not_one_shows_a_page_not_an_error(owner_client, studio):
    make_jobs(studio, 55)

    assert shown(owner_client.get(JOBS, {"page": "x"}))[0] == "JOB-0054"
    assert shown(owner_client.get(JOBS, {"page": 99}))[0] == "JOB-0004"


def test_no_page_links_when_everything_fits(owner_client, studio):
    make_jobs(studio, 3)

    page = owner_client.get(JOBS).content.decode()

    assert 'data-testid="jobs-pages"' not in page


def test_the_state_filter_shows_only_those_jobs(owner_client, studio):
    make_jobs(studio, 2, Job.State.SUCCEEDED, start=0)
    make_jobs(studio, 2, Job.State.FAILED, start=10)
    make_jobs(studio, 1, Job.State.QUEUED, start=20)
    make_jobs(studio, 1, Job.State.RUNNING, start=30)
    make_jobs(studio, 1, Job.State.CANCELED, start=40)

    assert shown(owner_client.get(JOBS, {"state": "failed"})) == ["JOB-0011", "JOB-0010"]
    assert shown(owner_client.get(JOBS, {"state": "succeeded"})) == ["JOB-0001", "JOB-0000"]
    assert shown(owner_client.get(JOBS, {"state": "running"})) == ["JOB-0030", "JOB-0020"]
    assert shown(owner_client.get(JOBS, {"state": "canceled"})) == ["JOB-0040"]
    assert len(shown(owner_client.get(JOBS))) == 7
    assert len(shown(owner_client.get(JOBS, {"state": "nonsense"}))) == 7


def test_the_filter_in_use_is_marked_and_a_filter_with_nothing_says_so(owner_client, studio):
    make_jobs(studio, 1)

    page = owner_client.get(JOBS, {"state": "failed"}).content.decode()

    assert f'href="{JOBS}?state=failed" aria-current="page"' in page
    assert f'href="{JOBS}"' in page  # "All"
    assert "No jobs here." in page and "JOB-0000" not in page[page.index('data-testid="jobs"'):]


def test_paging_keeps_the_filter_and_a_new_filter_starts_at_page_1(owner_client, studio):
    make_jobs(studio, 52, Job.State.FAILED)
    make_jobs(studio, 3, Job.State.SUCCEEDED, start=100)

    first = owner_client.get(JOBS, {"state": "failed"}).content.decode()
    assert f'href="{JOBS}?state=failed&amp;page=2"' in first
    second = owner_client.get(JOBS, {"state": "failed", "page": 2})
    assert shown(second) == ["JOB-0001", "JOB-0000"]
    assert f'href="{JOBS}?state=succeeded"' in second.content.decode()


def test_another_studio_cannot_page_through_the_jobs(client, studio, outsider):
    make_jobs(studio, 55)
    client.force_login(outsider)

    assert client.get(JOBS, {"page": 2}).status_code == 404
    assert client.get(JOBS, {"state": "succeeded"}).status_code == 404


def test_the_keyframe_form_on_a_later_page_leads_to_the_first_page(owner_client, studio):
    # The new job is the newest: coming back to page 2 the creator would not see it.
    make_jobs(studio, 55)

    page = owner_client.get(JOBS, {"page": 2, "state": "succeeded"}).content.decode()

    form = page[page.index('data-testid="keyframe-form"'):]
    assert f'name="next" value="{JOBS}"' in form[:form.index("</form>")]


def test_cancel_and_rerun_on_a_later_page_come_back_to_that_page(owner_client, studio):
    make_jobs(studio, 1, Job.State.RUNNING)
    make_jobs(studio, 54, start=1)

    page = owner_client.get(JOBS, {"page": 2}).content.decode()

    card = page[page.index("JOB-0000", page.index('data-testid="jobs"')):]
    card = card[:card.index("</article>")]
    assert card.count(f'name="next" value="{JOBS}?page=2"') == 2


def test_only_the_pages_own_unfinished_jobs_are_watched_live(owner_client, studio):
    # generation.js opens a socket for each card marked data-live on the page, and adds none.
    oldest = make_jobs(studio, 1, Job.State.RUNNING)[0]
    newest = make_jobs(studio, 50, start=1)[-1]
    Job.objects.filter(pk=newest.pk).update(state=Job.State.QUEUED, outputs=[])

    first = owner_client.get(JOBS).content.decode()
    second = owner_client.get(JOBS, {"page": 2}).content.decode()

    assert re.findall(r'data-job-id="([^"]+)"[^>]*data-live="1"', first) == [str(newest.pk)]
    assert re.findall(r'data-job-id="([^"]+)"[^>]*data-live="1"', second) == [str(oldest.pk)]


def test_a_jobs_price_reads_with_the_right_plural(owner_client, studio):
    one, = make_jobs(studio, 1)
    two, = make_jobs(studio, 1, start=1)
    Job.objects.filter(pk=two.pk).update(price=2)
    page = owner_client.get(JOBS).content.decode()
    assert "· 1 credit</p>" in page and "· 2 credits</p>" in page and "1 credits" not in page
    # The model by the name the form offers, not its key.
    assert '<span title="tiny-keyframe">Tiny keyframe (random weights: noise)</span>' in page


def test_a_rerun_from_a_later_page_lands_where_the_new_job_is(owner_client, studio):
    """It came back to page 2 while the job it queued was first on page 1."""
    from generation import credits

    credits.grant(studio, 100, note="t")
    jobs = make_jobs(studio, 55)
    oldest = jobs[0]
    Job.objects.filter(pk=oldest.pk).update(params={"prompt": "JOB-0000", "seed": 1,
                                                    "steps": 2, "width": 64, "height": 64})
    back = owner_client.post(reverse("generation:rerun", args=[oldest.pk]),
                             {"next": f"{JOBS}?state=succeeded&page=2"})
    assert back.status_code == 302 and back["Location"] == f"{JOBS}?state=succeeded"
    cancel = owner_client.post(reverse("generation:cancel", args=[oldest.pk]),
                               {"next": f"{JOBS}?page=2"})
    assert cancel["Location"] == f"{JOBS}?page=2"  # cancelling stays where it was
