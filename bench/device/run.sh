#!/usr/bin/env bash
# The GPU checks of bench/kernel_speed.py and bench/generation.py in one call of the `device`
# tool, inside a time budget, every stage's log kept under $OUT as it runs.
#
#   make device-wheels        # here, once: the wheels into .whl/ (bench/device/wheels.py)
#   device run: command "bash bench/device/run.sh", carry [".whl"], timeout_s 570
#
# or in two calls, the second while the machine is still warm (30 s), so that what the
# first shows can change the second: STAGES="kernels sdxl" BUDGET=270 (timeout_s 300),
# then STAGES=wan BUDGET=480 (timeout_s 510).
#
# A device session has 15 minutes in all, a machine's start included, and one call may run
# 10: the stages run cheapest and surest first (kernels, SDXL, Wan), each under a cap and
# under what is left of BUDGET, so a stage that overruns costs the ones after it only their
# own time and the logs written so far still come back. Wan's whole jobs run --job-steps
# steps, not the entry's 40: its per-step figures do not depend on a job's length.
#
# Here, DRY_RUN=1 PY=.venv/bin/python runs the same stages on the CPU (kernels through the
# Triton interpreter, the scaled-down builders) to check the script itself; RECORD=1 also
# writes $OUT/NAME.imports.json, the distributions each stage imported
# (bench/device/wheels.py --check does both and compares them with what the GPU machine has).
set -uo pipefail
cd "$(dirname "$0")/../.."

PY=${PY:-python3}
STAGES=${STAGES:-kernels sdxl wan}
BUDGET=${BUDGET:-540}
WAN_JOB_STEPS=${WAN_JOB_STEPS:-10}
OUT=${OUT:-bench/out/device}
mkdir -p "$OUT"
summary="$OUT/summary.txt"
: >"$summary"
started=$SECONDS
failed=0

if [ -d .whl ] && [ -z "${DRY_RUN:-}" ]; then
  # Ahead of the image's own packages: the versions the suite tested here.
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/manju-site .whl/*.whl || { echo "wheel install failed" | tee -a "$summary"; exit 1; }
  export PYTHONPATH=/tmp/manju-site
elif [ -z "${DRY_RUN:-}" ]; then
  echo "no .whl/ here: run 'make device-wheels' first and carry .whl (generation needs it)" \
    | tee -a "$summary"
fi
export PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings
# The benches use no database or Redis; unset, the settings import nothing for them (on the
# GPU machine they are unset anyway, and a dry run here must import what runs there).
unset DATABASE_URL REDIS_URL
# Nothing outside that machine answers: a hub look-up would wait for its timeout.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

{
  date -u +"%Y-%m-%dT%H:%M:%SZ"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
  "$PY" - <<'PYEOF'
import importlib.metadata as md, platform, torch
print("python", platform.python_version(), "cuda", torch.cuda.is_available(),
      torch.cuda.get_device_name() if torch.cuda.is_available() else "-")
for name in ("torch", "triton", "diffusers", "transformers", "accelerate", "Django"):
    try:
        print(name, md.version(name))
    except md.PackageNotFoundError:
        print(name, "missing")
PYEOF
} 2>&1 | tee "$OUT/versions.txt"

# stage NAME CAP_SECONDS SCRIPT ARGS...: `$PY SCRIPT ARGS` under min(CAP, what is left of
# BUDGET), its output in $OUT/NAME.log and its RESULT lines in the summary.
stage() {
  local name=$1 cap=$2
  shift 2
  case " $STAGES " in *" $name "*) ;; *) return ;; esac
  local left=$((BUDGET - (SECONDS - started)))
  if [ "$left" -lt 30 ]; then
    echo "STAGE $name skipped: ${left}s of the ${BUDGET}s budget left" | tee -a "$summary"
    failed=1
    return
  fi
  [ "$cap" -gt "$left" ] && cap=$left
  echo "== $name (at most ${cap}s): $*"
  local t0=$SECONDS
  local record=()
  [ -n "${RECORD:-}" ] && record=(bench/device/record_imports.py "$OUT/$name.imports.json")
  timeout --signal=INT --kill-after=15 "$cap" "$PY" "${record[@]}" "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  [ "$rc" -eq 0 ] || failed=1
  echo "STAGE $name exit=$rc seconds=$((SECONDS - t0))" | tee -a "$summary"
  grep '^RESULT ' "$OUT/$name.log" >>"$summary"
}

if [ -n "${DRY_RUN:-}" ]; then
  kernels=(--dry-run) gen=(--tiny)
else
  kernels=() gen=()
fi
stage kernels 120 bench/kernel_speed.py "${kernels[@]}"
stage sdxl 180 bench/generation.py "${gen[@]}" --models sdxl-size-keyframe --sweep-attention
stage wan 600 bench/generation.py "${gen[@]}" --models wan13b-size-motion \
  --job-steps "$WAN_JOB_STEPS" --step-steps 6 --reps 3 --sweep-attention
echo "== summary (${BUDGET}s budget, $((SECONDS - started))s used)"
cat "$summary"
exit "$failed"  # 0 only when every stage named in STAGES ran and exited 0
