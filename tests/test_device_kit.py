"""bench/device: the one-call GPU check runs every stage within its budget, and imports only
what the lent GPU machine's image ships or the kit carries as wheels."""

import importlib.util
import os
import re
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("device_wheels", BASE / "bench/device/wheels.py")
wheels = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(wheels)


def fields(line: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in line.split()[1:] if "=" in item)


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("device")
    run = wheels.dry_run(out, env={**os.environ, "MANJU_CUDA_MODELS": "0"})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out


def test_every_stage_runs_and_reports(dry_run):
    summary = (dry_run / "summary.txt").read_text().splitlines()
    stages = [fields(line) for line in summary if line.startswith("STAGE ")]
    assert [line.split()[1] for line in summary if line.startswith("STAGE ")] == list(
        wheels.STAGES)
    assert all(stage["exit"] == "0" for stage in stages), summary
    results = [fields(line) for line in summary if line.startswith("RESULT ")]
    kernels = [r for r in results if r["name"] == "kernels"]
    assert len(kernels) == 1
    # The GPU code path, interpreted: every output byte and hash bit as the reference's.
    assert kernels[0]["finish_mismatch"] == "0" and kernels[0]["rgb_mismatch"] == "0"
    assert kernels[0]["phash_bits_differing"] == "0"
    assert kernels[0]["search_matches_reference"] == "True"
    archs = [r["arch"] for r in results if r["name"] == "generation" and "arch" in r]
    assert archs == ["sdxl", "wan13b"]
    assert all(r["target_met"] == "unknown" for r in results if "target_met" in r)
    versions = (dry_run / "versions.txt").read_text()
    for name in ("torch", "triton", "diffusers", "transformers"):
        assert f"\n{name} " in versions and f"{name} missing" not in versions


NUMBER = r"-?\d+(\.\d+)?(e[-+]\d+)?"
PER_ARCH = ("step_s_default", "step_s_fast", "step_speedup", "forward_speedup",
            "job_s_default", "job_s_fast", "tflop_per_step", "jobs_per_hour",
            "jobs_per_hour_batched", "startup_s", "first_job_stall_s", "max_rel_diff",
            "full_tflop_per_step")


@pytest.mark.parametrize("stage, arch, full_tflop", [("sdxl", "sdxl", 13.29),
                                                      ("wan", "wan13b", 572.53)])
def test_the_generation_stages_print_well_formed_results(dry_run, stage, arch, full_tflop):
    """bench/generation.py --tiny end to end on the CPU, as each stage runs it."""
    log = (dry_run / f"{stage}.log").read_text()
    assert "NOT GPU figures" in log
    results = [fields(line) for line in log.splitlines() if line.startswith("RESULT ")]
    assert len(results) == 2, log
    result, summary = results
    assert result["name"] == "generation" and result["mode"] == "cpu-tiny"
    assert result["arch"] == arch
    for key in PER_ARCH:
        assert re.fullmatch(NUMBER, result[key]), (key, result[key])
    assert float(result["step_s_default"]) > 0 and float(result["job_s_fast"]) > 0
    assert float(result["max_rel_diff"]) < 1e-3  # the fast path kept the output
    assert result["mfu_forward"] == "na"  # no GPU peak on a CPU
    assert result["attention_best"] in ("auto", "cudnn", "flash", "efficient", "math")
    if arch == "wan13b":
        assert re.fullmatch(NUMBER, result["cfg_batch_gain"])  # Wan: two calls a step
    # The full-size FLOPs are counted on meta even here: the figures of the real shapes.
    assert float(result["full_tflop_per_step"]) == full_tflop
    assert summary["name"] == "generation" and summary["mode"] == "cpu-tiny"
    assert summary["target_met"] == "unknown"
    assert re.fullmatch(NUMBER, summary[f"{arch}_step_speedup"])
    # The last line is the summary, for tools that read only the end.
    assert log.strip().splitlines()[-1].startswith("RESULT name=generation mode=")


def test_the_stages_import_only_what_the_gpu_machine_has_or_the_kit_carries(dry_run):
    for stage in wheels.STAGES:
        imported = wheels.imported(dry_run, stage)
        assert "torch" in imported
        assert wheels.uncovered(imported) == [], stage
    generation = {wheels.normalise(name) for name in wheels.imported(dry_run, "wan")}
    assert {"diffusers", "django", "celery"} <= generation
    # Settings, not the apps: none of the web stack has to travel to the GPU.
    assert not generation & {"daphne", "channels", "twisted", "whitenoise", "cryptography"}


def test_uncovered_names_what_is_neither_shipped_nor_carried():
    assert wheels.uncovered(
        ["torch", "Django", "huggingface_hub", "cffi", "manju-studio", "left-pad"]
    ) == ["left-pad"]
    pins = wheels.pins()
    installed = [name for name in wheels.CARRIED if wheels.installed(name)]
    assert [pin.split("==")[0] for pin in pins] == installed
    assert set(wheels.CARRIED) - set(installed) <= {"kernels", "tomlkit"}  # transformers<5.25
    assert all(pin.split("==")[1][0].isdigit() for pin in pins)


def test_a_stage_that_would_start_past_the_budget_is_skipped(tmp_path):
    env = {**os.environ, "BUDGET": "10"}
    run = wheels.dry_run(tmp_path, env=env)
    assert run.returncode == 1, run.stderr[-3000:]  # nothing was measured
    summary = (tmp_path / "summary.txt").read_text().splitlines()
    assert [line.split()[1] for line in summary] == list(wheels.STAGES)
    assert all(" skipped: " in line for line in summary)
    assert not list(tmp_path.glob("*.log"))


def test_stages_runs_only_the_stages_it_names(tmp_path):
    run = wheels.dry_run(tmp_path, env={**os.environ, "BUDGET": "10", "STAGES": "kernels wan"})
    assert run.returncode == 1, run.stderr[-3000:]
    summary = (tmp_path / "summary.txt").read_text().splitlines()
    assert [line.split()[1] for line in summary] == ["kernels", "wan"]


def test_a_failing_stage_is_reported_and_fails_the_run(tmp_path):
    env = {**os.environ, "STAGES": "wan", "WAN_JOB_STEPS": "forty"}
    run = wheels.dry_run(tmp_path, env=env)
    assert run.returncode == 1
    summary = (tmp_path / "summary.txt").read_text().splitlines()
    assert len(summary) == 1 and summary[0].startswith("STAGE wan exit=2 ")
    assert "invalid int value: 'forty'" in (tmp_path / "wan.log").read_text()
