"""A generation form the server refuses comes back as it was typed, with the reason beside
it, and the page's forms still lead back to where the creator was."""

import pytest
from django.urls import reverse

from creators import services as creators
from creators.models import Category
from generation import credits
from generation.models import Job
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db

PROMPT = "雨夜的竹林，少女回头，镜头缓慢推进，冷色调 UNIQUE-PROMPT-7731"
SUBMIT = reverse("generation:submit_keyframe", args=["dawn"])


@pytest.fixture
def owner_client(client, owner):
    return logged_in(client, owner, "en")


def test_too_many_steps_come_back_with_the_prompt_and_the_steps_error(owner_client, studio):
    credits.grant(studio, 100, note="t")
    response = owner_client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT,
                                          "negative_prompt": "模糊", "steps": "500"})

    assert response.status_code == 400
    page = response.content.decode()
    assert PROMPT in page and "模糊" in page and 'value="500"' in page
    assert "Steps: Ensure this value is less than or equal to 100." in page
    assert not Job.objects.exists()


def test_a_refused_job_comes_back_with_the_prompt_and_the_reason(owner_client, studio):
    # No credits: the service refuses the job.
    response = owner_client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT,
                                          "steps": "4"})

    assert response.status_code == 400
    page = response.content.decode()
    assert PROMPT in page and "Not enough credits for this job: the studio has 0 credits left." in page
    assert "granted by the platform&#x27;s staff" in page
    assert not Job.objects.exists()


def test_a_refusal_from_the_episode_panel_keeps_the_episode_and_the_way_back(
        owner_client, studio):
    series = creators.create_series(studio, title="竹林", category=Category.PREMIUM_2D)
    episode = creators.create_episode(series, 1, "第一集")
    back = reverse("creators:episode", args=[studio.slug, episode.ref])
    response = owner_client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT,
                                          "steps": "500", "episode": episode.pk,
                                          "next": back})

    assert response.status_code == 400
    page = response.content.decode()
    assert f'name="next" value="{back}"' in page
    assert f'name="episode" value="{episode.pk}"' in page

    credits.grant(studio, 100, note="t")  # sent again, as the page has it, with fewer steps
    response = owner_client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT,
                                          "steps": "4", "episode": episode.pk,
                                          "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Job.objects.get().episode == episode


def test_a_refused_shot_comes_back_with_the_prompt(owner_client, studio):
    keyframe = Job.objects.create(studio=studio, kind=Job.Kind.KEYFRAME, state=Job.State.SUCCEEDED,
                                  model_key="tiny-keyframe", params={"prompt": "竹林"}, price=2,
                                  outputs=[{"path": f"generation/{studio.pk}/k.png"}])
    response = owner_client.post(reverse("generation:submit_shot", args=["dawn"]),
                                 {"model": "tiny-motion", "prompt": PROMPT, "frames": "9",
                                  "first_job": str(keyframe.pk), "seed": "-1"})

    assert response.status_code == 400
    page = response.content.decode()
    assert PROMPT in page and "Seed: Ensure this value is greater than or equal to 0." in page
    assert Job.objects.count() == 1


def test_the_summary_names_the_field_in_chinese_with_a_chinese_colon(client, owner, studio):
    client.force_login(owner)
    client.cookies["django_language"] = "zh-hans"
    credits.grant(studio, 100, note="t")
    response = client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT, "steps": "500"})

    assert response.status_code == 400
    assert "<p>步数：确保该值小于或等于100。</p>" in response.content.decode()


def test_no_new_work_is_generated_for_an_episode_in_review_or_published(owner_client,
                                                                         studio, owner):
    """The storyboard refused it, the generation form did not: credits were spent on an
    episode that can no longer change. A rerun of its earlier job is refused too."""
    from creators.models import Episode
    from generation import services

    credits.grant(studio, 100, note="t")
    series = creators.create_series(studio, title="竹林", category=Category.PREMIUM_2D)
    episode = creators.create_episode(series, 1, "第一集")
    earlier = services.submit_job(studio, owner, "tiny-keyframe", {"prompt": "竹林"},
                                  episode=episode, dispatch=False)
    balance = credits.balance(studio)
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.PUBLISHED)
    page = reverse("creators:episode", args=[studio.slug, episode.ref])

    response = owner_client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT,
                                          "steps": "4", "episode": episode.pk, "next": page})

    assert response.status_code == 400
    assert "no new work can be generated for it" in response.content.decode()
    with pytest.raises(services.JobError):
        services.rerun_job(earlier, owner)
    assert Job.objects.count() == 1 and credits.balance(studio) == balance
    shown = owner_client.get(page).content.decode()
    assert 'data-testid="generation-closed"' in shown and 'name="prompt"' not in shown


def test_the_steps_box_says_what_empty_means():
    from django.utils import translation

    from generation.forms import KeyframeForm

    with translation.override("en"):
        steps = KeyframeForm()["steps"]
        assert steps.field.widget.attrs["placeholder"] == "8"  # the tiny model's own count
        assert steps.help_text == "Empty: the model's default (8)."
    with translation.override("zh-hans"):
        assert KeyframeForm()["steps"].help_text == "留空：使用模型的默认步数（8）。"


def test_switching_language_on_a_refused_form_goes_back_to_the_forms_page(owner_client,
                                                                          studio):
    """The refused form's address takes only POSTs: the language switcher sent the reader
    there by GET, to a blank 405."""
    import re

    page_url = reverse("generation:studio_jobs", args=["dawn"])
    refused = owner_client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT,
                                         "steps": "500"}, HTTP_REFERER="http://testserver" + page_url)
    assert refused.status_code == 400
    back = re.search(r'name="next" type="hidden" value="([^"]*)"', refused.content.decode())[1]
    assert back == "http://testserver" + page_url
    switched = owner_client.post(reverse("set_language"), {"language": "zh-hans", "next": back})
    assert switched.status_code == 302 and switched["Location"] == back
    assert owner_client.get(switched["Location"]).status_code == 200
    # With no page to go back to, the home page, never the POST-only address.
    bare = owner_client.post(SUBMIT, {"model": "tiny-keyframe", "prompt": PROMPT, "steps": "500"})
    assert re.search(r'name="next" type="hidden" value="/"', bare.content.decode())
