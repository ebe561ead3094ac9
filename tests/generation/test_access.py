"""Pages and actions: members see and act on their studio's jobs; another studio's member
gets 404 on every job URL and nothing changes."""

import pytest
from django.urls import reverse

from generation import credits, services
from generation.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(studio, owner):
    credits.grant(studio, 100)
    return services.submit_job(studio, owner, "tiny-keyframe", {"prompt": "秘密的提示词"},
                               dispatch=False)


def test_it_hides_other_studios_jobs(client, job, outsider):
    client.force_login(outsider)
    for name in ("generation:job",):
        response = client.get(reverse(name, args=[job.pk]))
        assert response.status_code == 404
    assert client.get(reverse("generation:job", args=[job.pk]) + "?format=json"
                      ).status_code == 404
    assert client.get(reverse("generation:studio_jobs", args=["dawn"])).status_code == 404
    page = client.get(reverse("generation:index"), follow=True)
    assert "秘密的提示词" not in page.content.decode()


def test_another_studio_cannot_cancel_or_rerun(client, job, outsider, studio):
    client.force_login(outsider)
    assert client.post(reverse("generation:cancel", args=[job.pk])).status_code == 404
    assert client.post(reverse("generation:rerun", args=[job.pk])).status_code == 404
    assert Job.objects.get(pk=job.pk).state == "queued"
    assert Job.objects.count() == 1
    assert client.post(reverse("generation:submit_keyframe", args=["dawn"]),
                       {"model": "tiny-keyframe", "prompt": "x"}).status_code == 404


def test_a_member_sees_jobs_with_queue_position_and_can_cancel(client, job, member, studio):
    client.force_login(member)
    page = client.get(reverse("generation:studio_jobs", args=["dawn"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert str(job.pk) in html and "秘密的提示词" in html
    state = client.get(reverse("generation:job", args=[job.pk]) + "?format=json").json()
    assert state["state"] == "queued" and state["queue_position"] == 1
    response = client.post(reverse("generation:cancel", args=[job.pk]))
    assert response.status_code == 302
    assert Job.objects.get(pk=job.pk).state == "canceled"
    assert credits.balance(studio) == 100


def test_submitting_the_keyframe_form_queues_a_priced_job(client, owner, studio):
    credits.grant(studio, 100)
    client.force_login(owner)
    response = client.post(reverse("generation:submit_keyframe", args=["dawn"]),
                           {"model": "tiny-keyframe", "prompt": "竹林", "seed": 42})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.params["seed"] == 42 and job.params["prompt"] == "竹林"
    assert credits.balance(studio) == 100 - job.price


def test_rerun_keeps_the_seed(client, job, owner):
    client.force_login(owner)
    client.post(reverse("generation:rerun", args=[job.pk]))
    again = Job.objects.exclude(pk=job.pk).get()
    assert again.params["seed"] == job.params["seed"] and again.rerun_of_id == job.pk


def test_only_staff_grant_credits(client, owner, studio, make_staff):
    client.force_login(owner)
    response = client.post(reverse("generation:grant"), {"studio": "dawn", "amount": 50})
    assert response.status_code == 302 and credits.balance(studio) == 0
    client.force_login(make_staff)
    client.post(reverse("generation:grant"), {"studio": "dawn", "amount": 50})
    assert credits.balance(studio) == 50


@pytest.fixture
def make_staff(db):
    from tests.conftest import make_user

    return make_user("staffer", is_staff=True)


def test_the_episode_panel_offers_a_keyframe_form_for_that_episode(rf, owner, studio):
    from django.template.loader import render_to_string

    from creators.models import Category, Episode, Series

    series = Series.objects.create(studio=studio, slug="moon", title="月", category=Category.PREMIUM_2D)
    episode = Episode.objects.create(series=series, number=1, title="第一集", ref="MOON-1")
    credits.grant(studio, 100)
    job = services.submit_job(studio, owner, "tiny-keyframe", {"prompt": "第一集的开场"},
                              episode=episode, dispatch=False)
    request = rf.get("/studio/")
    request.user = owner
    html = render_to_string("generation/_episode_panel.html",
                            {"episode": episode, "studio": studio}, request=request)
    assert f'name="episode" value="{episode.pk}"' in html
    assert reverse("generation:submit_keyframe", args=["dawn"]) in html
    assert str(job.pk) in html and "第一集的开场" in html


def test_demo_studios_start_with_credits_once(db):
    from creators.services import create_studio
    from generation import conf, demo
    from tests.conftest import make_user

    moonlight = create_studio(make_user("lin"), "月光", slug="moonlight")
    demo.load()
    demo.load()
    assert credits.balance(moonlight) == conf.DEMO_CREDITS


def test_a_shot_cannot_start_from_another_studios_keyframe(client, job, outsider,
                                                           other_studio):
    Job.objects.filter(pk=job.pk).update(
        state="succeeded", outputs=[{"path": "generation/x/keyframe.png", "media": "image"}])
    credits.grant(other_studio, 100)
    with pytest.raises(services.JobError):
        services.submit_job(other_studio, outsider, "tiny-motion",
                            {"prompt": "x", "first_job": str(job.pk)}, dispatch=False)
    client.force_login(outsider)
    client.post(reverse("generation:submit_shot", args=["elsewhere"]),
                {"model": "tiny-motion", "prompt": "x", "first_job": str(job.pk),
                 "frames": 5})
    assert not Job.objects.filter(studio=other_studio).exists()
    assert credits.balance(other_studio) == 100
