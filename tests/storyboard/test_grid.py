"""The nine-grid (九宫格) is one job: nine candidates from one batched pipeline call, each
with its own seed and provenance, reproducible alone; the creator picks one. Character
references condition keyframes (image-to-image at the shot's strength), never another
studio's."""

import hashlib
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from diffusers import StableDiffusionImg2ImgPipeline, StableDiffusionPipeline
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from creators import services as creators
from creators.models import Category
from generation import credits, labels, pipelines, registry
from generation import services as generation
from generation.models import CreditEntry, Job
from storyboard import services
from storyboard.models import Shot
from tests.storyboard.conftest import run_queued, url

pytestmark = pytest.mark.django_db


def pixels(relative: str) -> np.ndarray:
    with Image.open(Path(settings.MEDIA_ROOT) / relative) as image:
        return np.asarray(image.convert("RGB"))


@pytest.fixture
def pipeline_calls(monkeypatch):
    """Counts calls of the tiny pipelines (text-to-image and image-to-image), with the
    batch size of each."""
    calls = []
    for cls in (StableDiffusionPipeline, StableDiffusionImg2ImgPipeline):
        original = cls.__call__

        def counted(self, *args, _original=original, _name=cls.__name__, **kwargs):
            prompt = kwargs.get("prompt")
            calls.append((_name, len(prompt) if isinstance(prompt, list) else 1))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, "__call__", counted)
    return calls


def test_a_nine_grid_is_one_job_one_pipeline_call_nine_distinct_reproducible_candidates(
        client, owner, board, tiny_models, pipeline_calls):
    studio = board.episode.series.studio
    shot = services.add_shot(board, prompt="竹林")
    job = services.generate_grid(shot, owner, seed=1000, steps=3)
    price_one = registry.get("tiny-keyframe").price_for(job.params)
    assert job.price == 9 * price_one
    assert credits.balance(studio) == 5000 - 9 * price_one

    done = run_queued()
    assert [j.pk for j in done] == [job.pk]  # one job …
    assert pipeline_calls == [("StableDiffusionPipeline", 9)]  # … one batched call
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    assert sorted(CreditEntry.objects.filter(job=job).values_list("kind", flat=True)) == [
        "charge", "reserve"]
    assert credits.balance(studio) == 5000 - 9 * price_one

    assert [o["index"] for o in job.outputs] == list(range(9))
    assert [o["seed"] for o in job.outputs] == list(range(1000, 1009))
    images = [pixels(o["path"]) for o in job.outputs]
    assert all(image.shape == (128, 72, 3) for image in images)
    assert len({image.tobytes() for image in images}) == 9  # nine distinct candidates
    for k, output in enumerate(job.outputs):
        path = Path(settings.MEDIA_ROOT) / output["path"]
        assert labels.read_implicit_label(path)["ProduceID"] == str(job.pk)
        prov = labels.read_provenance(path)
        assert prov["params"]["seed"] == 1000 + k and prov["params"]["num_images"] == 1
        assert prov["params"]["prompt"] == job.params["prompts"][k]
        assert prov["batch"]["index"] == k and prov["batch"]["num_images"] == 9
        assert prov["output_sha256"] == job.provenance["candidates"][k]["output_sha256"]

    # Candidate k by its provenance: in its batch bit for bit; alone (a batch of one)
    # within one uint8 level (float32 sums in another order: ~1e-6 before rounding).
    pipeline_calls.clear()
    for k in (4, 8):
        prov = labels.read_provenance(Path(settings.MEDIA_ROOT) / job.outputs[k]["path"])
        again = pipelines.reproduce(prov)
        assert pipelines.frames_sha256(again) == prov["output_sha256"]
        alone = pipelines.reproduce(prov, alone=True)
        difference = np.abs(alone[0].astype(int) - images[k].astype(int))
        assert difference.max() <= 1 and (difference == 0).mean() > 0.99
    assert pipeline_calls == [("StableDiffusionPipeline", 9), ("StableDiffusionPipeline", 1)] * 2

    # The page shows the one job's nine candidates; the creator picks the fifth.
    client.force_login(owner)
    page = client.get(url("board", board.episode)).content.decode()
    assert page.count('data-testid="candidate"') == 9 and page.count('data-testid="job"') == 1
    client.post(url("shot_pick", board.episode, shot.pk), {"job": str(job.pk), "index": "4"})
    shot.refresh_from_db()
    assert (shot.keyframe_job_id, shot.keyframe_index) == (job.pk, 4)
    page = client.get(url("board", board.episode)).content.decode()
    assert job.outputs[4]["path"] in page.split('data-testid="chosen-keyframe"')[1][:300]
    # A candidate the job does not have is refused, and the choice stays.
    client.post(url("shot_pick", board.episode, shot.pk), {"job": str(job.pk), "index": "9"})
    shot.refresh_from_db()
    assert shot.keyframe_index == 4

    # The edit and the animation start from the picked candidate, the assembly records it.
    edit = services.edit_keyframe(shot, owner, "改成夜晚")
    assert edit.params["init_index"] == 4 and edit.params["seed"] == 1004
    assert edit.params["init_image"] == job.outputs[4]["path"]
    clip = services.animate_shot(shot, owner, steps=2, frames=5)
    assert clip.params["first_image"] == job.outputs[4]["path"]
    entry = services.snapshot(board)["shots"][0]["keyframe"]
    assert entry["index"] == 4 and entry["seed"] == 1004
    assert entry["path"] == job.outputs[4]["path"]
    assert entry["provenance"]["output_sha256"] == job.provenance["candidates"][4][
        "output_sha256"]


@pytest.mark.parametrize("count", [0, 10, -1, "many"])
def test_the_server_enforces_one_to_nine_images(board, count, tiny_models):
    studio = board.episode.series.studio
    with pytest.raises(generation.JobError):
        generation.submit_job(studio, None, "tiny-keyframe",
                              {"prompt": "x", "num_images": count}, dispatch=False)
    assert not Job.objects.exists() and credits.balance(studio) == 5000


def test_several_images_only_for_keyframes_and_one_prompt_each(board, tiny_models):
    studio = board.episode.series.studio
    first = generation.submit_job(studio, None, "tiny-keyframe", {"prompt": "x", "steps": 1},
                                  dispatch=False)
    run_queued()
    with pytest.raises(generation.JobError):
        generation.submit_job(studio, None, "tiny-motion",
                              {"first_job": str(first.pk), "num_images": 2}, dispatch=False)
    with pytest.raises(generation.JobError):
        generation.submit_job(studio, None, "tiny-keyframe",
                              {"prompt": "x", "num_images": 3, "prompts": ["a", "b"]},
                              dispatch=False)
    # Seeds are always the seed's successors, whatever was posted.
    job = generation.submit_job(studio, None, "tiny-keyframe",
                                {"prompt": "x", "num_images": 3, "seed": 5, "seeds": [1, 1, 1]},
                                dispatch=False)
    assert job.params["seeds"] == [5, 6, 7]


# --- Character references ---------------------------------------------------------------


def reference_png(color=(200, 40, 40), size=(300, 400)) -> SimpleUploadedFile:
    import io

    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 20):  # some structure, so img2img has something to keep
        image.paste((20, 20, 200), (x, 0, x + 6, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile("lin.png", buffer.getvalue(), content_type="image/png")


def test_a_characters_reference_conditions_the_keyframe_image_to_image(
        client, owner, board, tiny_models, pipeline_calls):
    series = board.episode.series
    lin = services.create_character(series, "林月", "白衣少女")
    reference = services.add_reference(lin, reference_png())
    plain = services.create_character(series, "阿竹", "书童")  # no reference picture
    shot = services.add_shot(board, prompt="竹林", characters=[plain, lin])

    # The creator sets the strength on the shot; the server keeps it within range.
    client.force_login(owner)
    form = {f"s{shot.pk}-prompt": "竹林", f"s{shot.pk}-camera": "medium",
            f"s{shot.pk}-duration": "3", f"s{shot.pk}-characters": [plain.pk, lin.pk]}
    client.post(url("shot_update", board.episode, shot.pk),
                {**form, f"s{shot.pk}-reference_strength": "1.5"})
    assert Shot.objects.get(pk=shot.pk).reference_strength == Decimal("0.70")  # default kept
    with pytest.raises(services.StoryboardError):
        services.update_shot(shot, "竹林", "medium", "", Decimal("3"), [lin],
                             reference_strength="0")
    client.post(url("shot_update", board.episode, shot.pk),
                {**form, f"s{shot.pk}-reference_strength": "0.35"})
    shot = Shot.objects.get(pk=shot.pk)
    assert shot.reference_strength == Decimal("0.35")

    job = services.generate_keyframe(shot, owner, seed=9, steps=4)
    assert job.model_key == services.REFERENCE_MODEL and job.params["strength"] == 0.35
    assert "白衣少女" in job.params["prompt"] and "书童" in job.params["prompt"]
    run_queued()
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    assert pipeline_calls == [("StableDiffusionImg2ImgPipeline", 1)]
    digest = hashlib.sha256(Path(reference.image.path).read_bytes()).hexdigest()
    assert job.provenance["inputs"]["reference_image"] == {"path": reference.image.name,
                                                           "sha256": digest}
    assert job.params["reference"]["character"] == lin.pk
    assert pipelines.frames_sha256(pipelines.reproduce(job.provenance)) == \
        job.provenance["output_sha256"]

    # Conditioned (the random tiny VAE reconstructs nothing, so compare renders): another
    # picture in its place changes the keyframe, and so does a different strength.
    other = services.add_reference(plain, reference_png((30, 160, 90)))
    spec = registry.get(job.model_key)
    pipe, _ = pipelines.cache.get(spec)
    keyframe = pipelines.render(spec, pipe, job.params)
    assert pipelines.frames_sha256(keyframe) == job.provenance["output_sha256"]
    swapped = pipelines.render(spec, pipe, {**job.params, "reference_image": other.image.name})
    assert np.abs(swapped.astype(int) - keyframe.astype(int)).mean() > 1
    stronger = pipelines.render(spec, pipe, {**job.params, "strength": 0.9})
    assert np.abs(stronger.astype(int) - keyframe.astype(int)).mean() > 1

    # A nine-grid of the shot: one batched image-to-image call from the same reference.
    pipeline_calls.clear()
    grid = services.generate_grid(shot, owner, seed=20, steps=2)
    run_queued()
    grid.refresh_from_db()
    assert pipeline_calls == [("StableDiffusionImg2ImgPipeline", 9)]
    assert len(grid.outputs) == 9 and grid.params["reference_image"] == reference.image.name
    prov = labels.read_provenance(Path(settings.MEDIA_ROOT) / grid.outputs[2]["path"])
    assert prov["inputs"]["reference_image"]["sha256"] == digest
    again = pipelines.reproduce(prov, alone=True)[0].astype(int)
    assert np.abs(again - pixels(grid.outputs[2]["path"]).astype(int)).max() <= 1

    # A re-run keeps the reference.
    rerun = generation.rerun_job(job, owner)
    assert rerun.params["reference_image"] == reference.image.name


def test_another_studios_character_never_conditions_a_keyframe(board, other_studio,
                                                              tiny_models):
    theirs = creators.create_series(other_studio, title="别人的剧", category=Category.STANDARD)
    stranger = services.create_character(theirs, "外人", "红衣刺客")
    services.add_reference(stranger, reference_png((10, 200, 10)))
    shot = services.add_shot(board, prompt="竹林")
    with pytest.raises(services.StoryboardError):
        services.update_shot(shot, "竹林", "medium", "", Decimal("3"), [stranger])
    # Even forced into the shot past the services, it is ignored: neither its picture nor
    # its description reaches the job.
    shot.characters.add(stranger)
    job = services.generate_keyframe(shot, None, seed=1, steps=2)
    assert job.model_key == services.KEYFRAME_MODEL
    assert "reference_image" not in job.params and "红衣刺客" not in job.params["prompt"]
    # Nor can a posted parameter smuggle a picture path into a job.
    sneaky = generation.submit_job(
        board.episode.series.studio, None, "tiny-keyframe",
        {"prompt": "x", "reference_image": stranger.references.get().image.name},
        dispatch=False)
    assert "reference_image" not in sneaky.params
    with pytest.raises(generation.JobError):
        generation.submit_job(board.episode.series.studio, None, "tiny-keyframe-edit",
                              {"prompt": "x",
                               "reference_image": stranger.references.get().image.name},
                              dispatch=False)


def test_a_real_checkpoint_with_an_ip_adapter_gets_the_reference_as_ip_adapter_image(
        board, monkeypatch, tmp_path):
    """Not run on weights (it needs a download): render() routes the picture."""
    series = board.episode.series
    lin = services.create_character(series, "林月", "白衣少女")
    reference = services.add_reference(lin, reference_png())
    spec = registry.ModelSpec(
        key="sdxl-ip", kind="keyframe", pipeline="StableDiffusionXLPipeline", source="x",
        ip_adapter={"repo": "h94/IP-Adapter", "weight_name": "w.bin"},
        defaults={"width": 64, "height": 64, "steps": 1, "guidance": 1.0},
        price={"base": 1})
    monkeypatch.setattr(registry, "all_models", lambda: {**registry.BUILTIN, spec.key: spec})
    shot = services.add_shot(board, prompt="竹林", characters=[lin])
    ref = services.character_reference(shot)
    job = generation.submit_job(series.studio, None, spec.key, {"prompt": "x", "seed": 1},
                                dispatch=False, reference_image=ref)
    seen = {}

    class FakePipe:
        def __call__(self, **kwargs):
            seen.update(kwargs)

            class Out:
                images = np.zeros((1, 64, 64, 3), np.float32)
            return Out()

    pipelines.render(spec, FakePipe(), job.params)
    assert seen["ip_adapter_image"].size == Image.open(reference.image.path).size
    assert "image" not in seen
