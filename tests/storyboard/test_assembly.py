"""Assembly of a storyboard into the episode's video: real tiny-model keyframes and clips
(rendered through the worker's code path), the cpu task's service run in-process."""

import io
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from creators.models import Episode
from generation import labels, pipelines
from storyboard import assemble, services
from storyboard.models import Assembly
from tests.storyboard.conftest import run_queued

FPS = 8
CHEAP_CLIP = {"steps": 2, "frames": 5}


def tone_wav(seconds: float = 3.0) -> bytes:
    """A real WAV (440 Hz) made with PyAV, for the voice/music track."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=16000)
        stream.layout = "mono"
        t = np.arange(int(16000 * seconds)) / 16000
        samples = (np.sin(2 * np.pi * 440 * t) * 8000).astype(np.int16)[None]
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.rate = 16000
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def three_shots(board, durations=("12", "10", "8")):
    shots = [
        services.add_shot(board, prompt=f"镜头{n} 竹林", duration=Decimal(d),
                          dialogue=f"第{n}句台词\n他回头看了一眼" if n == 1 else f"第{n}句台词")
        for n, d in enumerate(durations, start=1)
    ]
    for n, shot in enumerate(shots):
        services.generate_keyframe(shot, None, seed=100 + n, steps=3)
    run_queued()
    for shot in shots:
        shot.refresh_from_db()
        services.pick_keyframe(shot, shot.grid_jobs[0])
    return shots


def decode(path: Path):
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        meta = dict(container.metadata)
        audio = [s.codec_context.name for s in container.streams.audio]
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video)]
        duration = Fraction(container.duration, av.time_base)
    return np.stack(frames), meta, audio, duration


def label_box(height: int, width: int):
    label = assemble.visible_label(np.zeros((1, height, width, 3), np.uint8))[0]
    rows, cols = np.nonzero(label.max(axis=2))
    return slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1)


def test_an_assembled_episode_is_a_labelled_916_mp4_with_every_shots_provenance(
        board, owner, tiny_models):
    shots = three_shots(board)
    services.animate_shot(shots[0], owner, use_last_frame=True, **CHEAP_CLIP)  # ends on shot 2's keyframe
    services.animate_shot(shots[1], owner, **CHEAP_CLIP)
    clips = run_queued()
    assert [job.state for job in clips] == ["succeeded", "succeeded"]
    assert clips[0].params["last_job"] == str(shots[1].keyframe_job_id)
    board.audio.save("tone.wav", ContentFile(tone_wav()))

    assembly = services.start_assembly(board, owner, dispatch=False)
    assembly = services.run_assembly(assembly.pk)
    assert assembly.state == Assembly.State.SUCCEEDED, assembly.error

    path = Path(settings.MEDIA_ROOT) / assembly.output
    frames, meta, audio, duration = decode(path)
    assert frames.shape[1:] == (256, 144, 3)  # 9:16
    assert len(frames) == (12 + 10 + 8) * FPS
    assert abs(duration - 30) < Fraction(1, 4)
    assert audio == ["aac"]

    assert labels.read_implicit_label(path) == {
        "Label": "1", "ContentProducer": "manju-studio",
        "ProduceID": f"assembly-{assembly.pk}"}
    prov = labels.read_provenance(path)
    assert [s["order"] for s in prov["shots"]] == [1, 2, 3]
    for shot, entry in zip(shots, prov["shots"], strict=True):
        shot.refresh_from_db()
        assert entry["keyframe"]["job"] == str(shot.keyframe_job_id)
        assert entry["keyframe"]["model_key"] == "tiny-keyframe"
        assert entry["keyframe"]["weights_sha256"]
        assert entry["keyframe"]["seed"] == shot.keyframe_job.params["seed"]
    assert prov["shots"][0]["clip"]["job"] == str(clips[0].pk)
    assert "clip" not in prov["shots"][2]

    # The visible label: the corner of every frame matches the label drawn over the shot's
    # own picture, and not the bare picture.
    rows, cols = label_box(256, 144)
    still = assemble.shot_source(assembly.snapshot["shots"][2], 144, 256)
    labelled = assemble.visible_label(still)[0]
    for frame in frames[-FPS * 8:]:
        corner = frame[rows, cols].astype(int)
        with_label = np.abs(corner - labelled[rows, cols]).mean()
        without = np.abs(corner - still[0][rows, cols]).mean()
        assert with_label < 8 and without > 2 * with_label
    for frame in frames[::FPS]:
        assert frame[rows, cols].max() > 180  # the white text of "AI生成" on every second

    # The file became the episode's video and passed the upload's probe.
    episode = Episode.objects.get(pk=board.episode_id)
    assert episode.video.name == assembly.output
    assert episode.source == Episode.Source.GENERATED
    assert episode.probe_state == Episode.Probe.DONE
    assert (episode.width, episode.height) == (144, 256)
    assert episode.cover

    # Each shot's provenance renders it again, bit for bit.
    for entry in prov["shots"]:
        for part in ("keyframe", "clip"):
            if part in entry:
                job_prov = entry[part]["provenance"]
                again = pipelines.reproduce(job_prov)
                assert pipelines.frames_sha256(again) == job_prov["output_sha256"]

    services.submit_episode(episode)
    assert Episode.objects.get(pk=episode.pk).status == Episode.Status.SUBMITTED


def test_reordering_while_an_assembly_runs_does_not_reach_it(board, owner, tiny_models):
    shots = three_shots(board)
    assembly = services.start_assembly(board, owner, dispatch=False)
    # The creator reorders, edits and deletes while the cpu worker has not started yet.
    services.reorder_shots(board, [shots[2].pk, shots[0].pk, shots[1].pk])
    services.update_shot(shots[0], "changed", "wide", "新台词", Decimal("1"))
    services.delete_shot(shots[1])
    with pytest.raises(services.StoryboardError):
        services.start_assembly(board, owner, dispatch=False)  # one at a time

    assembly = services.run_assembly(assembly.pk)
    assert assembly.state == Assembly.State.SUCCEEDED, assembly.error
    path = Path(settings.MEDIA_ROOT) / assembly.output
    frames, _, _, _ = decode(path)
    assert len(frames) == (12 + 10 + 8) * FPS
    prov = labels.read_provenance(path)
    assert [s["keyframe"]["job"] for s in prov["shots"]] == [
        str(s.keyframe_job_id) for s in shots]
    # The first frames are shot 1's keyframe (the snapshot's order), not shot 3's.
    first = assemble.shot_frames(assembly.snapshot["shots"][0], 144, 256, FPS)[0]
    third = assemble.shot_frames(assembly.snapshot["shots"][2], 144, 256, FPS)[0]
    error = np.abs(frames[0].astype(int) - first).mean()
    assert np.abs(frames[0].astype(int) - third).mean() > 3 * error


def test_a_too_short_episode_fails_the_upload_checks(board, owner, tiny_models):
    shot = services.add_shot(board, prompt="短", duration=Decimal("2"))
    services.generate_keyframe(shot, None, seed=1, steps=2)
    run_queued()
    shot.refresh_from_db()
    services.pick_keyframe(shot, shot.grid_jobs[0])
    # start_assembly refuses it before encoding (test_locked_and_limits); an assembly that
    # got past it is still held to the upload's checks after encoding.
    queued = Assembly.objects.create(storyboard=board, created_by=owner,
                                     snapshot=services.snapshot(board))
    assembly = services.run_assembly(queued.pk)
    assert assembly.state == Assembly.State.FAILED
    assert "30" in assembly.error
    assert not Episode.objects.get(pk=board.episode_id).video


def test_an_assembly_queued_before_submission_never_replaces_the_video_review_was_sent(
        board, owner, tiny_models):
    """A second assembly waits in the cpu queue; the creator submits (from the episode
    page, which does not ask the storyboard) and review publishes. When the worker gets to
    the assembly, the published video stays the one review saw."""
    from creators import services as creators
    from creators.models import Grade

    three_shots(board)
    first = services.run_assembly(services.start_assembly(board, owner, dispatch=False).pk)
    assert first.state == Assembly.State.SUCCEEDED, first.error
    episode = Episode.objects.get(pk=board.episode_id)
    episode.title = "第一集"
    episode.save(update_fields=["title"])
    reviewed = episode.video.name
    second = services.start_assembly(board, owner, dispatch=False)
    # The storyboard's own Submit button says why it must wait.
    with pytest.raises(services.StoryboardError, match="还有合成在进行"):
        services.submit_episode(episode)
    creators.submit_for_review(episode)
    episode.refresh_from_db()
    creators.approve_episode(episode, Grade.S, None, episode.created_at.date())

    second = services.run_assembly(second.pk)
    episode.refresh_from_db()
    assert episode.status == Episode.Status.PUBLISHED and episode.video.name == reviewed
    assert second.state == Assembly.State.FAILED and "保留送审时的视频" in second.error
    assert not (Path(settings.MEDIA_ROOT) / f"episodes/videos/{episode.ref}-assembly-"
                f"{second.pk}.mp4").exists()


def test_the_track_an_assembly_mixes_stays_until_it_ends(board, owner, tiny_models):
    services.set_audio(board, ContentFile(tone_wav(), name="voice.wav"))
    track = board.audio.name
    three_shots(board)
    queued = services.start_assembly(board, owner, dispatch=False)
    with pytest.raises(services.StoryboardError, match="合成正在使用当前音轨"):
        services.set_audio(board, ContentFile(tone_wav(2.0), name="other.wav"))
    assert (Path(settings.MEDIA_ROOT) / track).exists()
    assembly = services.run_assembly(queued.pk)
    assert assembly.state == Assembly.State.SUCCEEDED, assembly.error
    services.set_audio(board, ContentFile(tone_wav(2.0), name="other.wav"))  # now it may


def test_a_failure_on_our_side_names_no_server_path(board, owner, tiny_models):
    shots = three_shots(board)
    queued = services.start_assembly(board, owner, dispatch=False)
    keyframe = Path(settings.MEDIA_ROOT) / queued.snapshot["shots"][1]["keyframe"]["path"]
    keyframe.unlink()  # gone before the worker reads it
    assembly = services.run_assembly(queued.pk)
    assert assembly.state == Assembly.State.FAILED
    assert str(settings.MEDIA_ROOT) not in assembly.error and "/" not in assembly.error
    assert f"#{assembly.pk}" in assembly.error or str(assembly.pk) in assembly.error
    assert shots  # the board itself is untouched: the creator presses Assemble again
