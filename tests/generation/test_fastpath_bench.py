"""bench/generation.py --tiny runs end to end on the CPU and prints its RESULT lines."""

import os
import re
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
NUMBER = r"-?\d+(\.\d+)?(e[-+]\d+)?"
PER_ARCH = ("step_s_default", "step_s_fast", "step_speedup", "forward_speedup",
            "job_s_default", "job_s_fast", "tflop_per_step", "jobs_per_hour",
            "jobs_per_hour_batched", "startup_s", "first_job_stall_s", "max_rel_diff",
            "full_tflop_per_step")


def fields(line: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in line.split()[1:])


def test_the_tiny_bench_prints_well_formed_results():
    env = {**os.environ, "MANJU_CUDA_MODELS": "0"}
    run = subprocess.run([sys.executable, "bench/generation.py", "--tiny", "--sweep-attention"],
                         cwd=BASE, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "NOT GPU figures" in run.stdout
    results = [fields(line) for line in run.stdout.splitlines() if line.startswith("RESULT ")]
    assert len(results) == 3, run.stdout
    per_arch, summary = results[:2], results[2]
    assert [r["arch"] for r in per_arch] == ["sdxl", "wan13b"]
    for result in per_arch:
        assert result["name"] == "generation" and result["mode"] == "cpu-tiny"
        for key in PER_ARCH:
            assert re.fullmatch(NUMBER, result[key]), (key, result[key])
        assert float(result["step_s_default"]) > 0 and float(result["job_s_fast"]) > 0
        assert float(result["max_rel_diff"]) < 1e-3  # the fast path kept the output
        assert result["mfu_forward"] == "na"  # no GPU peak on a CPU
        assert result["attention_best"] in ("auto", "cudnn", "flash", "efficient", "math")
    assert re.fullmatch(NUMBER, per_arch[1]["cfg_batch_gain"])  # Wan: two calls a step
    # The full-size FLOPs are counted on meta even here: the figures of the real shapes.
    assert float(per_arch[0]["full_tflop_per_step"]) == 13.29
    assert float(per_arch[1]["full_tflop_per_step"]) == 572.53
    assert summary["name"] == "generation" and summary["mode"] == "cpu-tiny"
    assert summary["target_met"] == "unknown"
    assert re.fullmatch(NUMBER, summary["sdxl_step_speedup"])
    assert re.fullmatch(NUMBER, summary["wan13b_step_speedup"])
    # The last line is the summary, for tools that read only the end.
    assert run.stdout.strip().splitlines()[-1].startswith("RESULT name=generation mode=")
