"""The worker's pipeline cache and the label contract, in-process."""

import numpy as np
from PIL import Image

from generation import labels, pipelines, registry


def test_the_cache_keeps_pipelines_loaded_and_evicts_the_least_recent_beyond_budget(
        tiny_models):
    keyframe, motion = registry.get("tiny-keyframe"), registry.get("tiny-motion")
    roomy = pipelines.PipelineCache(budget_bytes=1 << 30)
    first, load_s = roomy.get(keyframe)
    assert load_s > 0
    again, load_again = roomy.get(keyframe)
    assert again is first and load_again == 0.0
    tight = pipelines.PipelineCache(budget_bytes=1)  # room for one pipeline at a time
    tight.get(keyframe)
    tight.get(motion)
    _, reload_s = tight.get(keyframe)
    assert reload_s > 0 and tight.loads == 3


def test_labels_are_visible_and_implicit_in_png_and_mp4(tmp_path):
    frames = labels.to_labelled_uint8(np.full((3, 128, 72, 3), 0.5, dtype=np.float32))
    assert frames.shape == (3, 128, 72, 3) and frames.dtype == np.uint8
    corner = frames[0, :16, -40:]
    assert (corner != 128).any() and (frames[0, 64:, :] == 128).all()  # label top right
    prov = {"model_key": "tiny-keyframe", "params": {"seed": 1, "prompt": "竹"}}
    labels.write_png(tmp_path / "a.png", frames[0], "job-1", prov)
    labels.write_mp4(tmp_path / "a.mp4", frames[:, :, :64], 8, "job-1", prov)
    for path in (tmp_path / "a.png", tmp_path / "a.mp4"):
        assert labels.read_implicit_label(path) == {
            "Label": "1", "ContentProducer": "manju-studio", "ProduceID": "job-1"}
        assert labels.read_provenance(path) == prov
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    assert labels.read_implicit_label(tmp_path / "plain.png") is None
    assert labels.read_provenance(tmp_path / "plain.png") is None
