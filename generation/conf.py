"""Settings of the generation app, read from the environment."""

from pathlib import Path

from django.conf import settings

from config.settings import env_int, env_str


def models_dir() -> Path:
    """Where built-in tiny models live (MANJU_MODELS_DIR, else settings.MODELS_DIR)."""
    return Path(env_str("MANJU_MODELS_DIR", str(settings.MODELS_DIR)))


# Extra registry entries: a JSON file {key: {kind, pipeline, source, ...}} (see registry.py).
MODELS_FILE = env_str("MANJU_MODELS_FILE", "")
# Loaded pipelines a worker keeps, by estimated parameter bytes (LRU beyond this).
PIPELINE_CACHE_MB = env_int("MANJU_PIPELINE_CACHE_MB", 8192)
# A running job whose heartbeat is older than this is considered abandoned by its worker.
STALE_AFTER_S = env_int("MANJU_JOB_STALE_AFTER_S", 30)
HEARTBEAT_EVERY_S = 1.0
# Previews: at most this many per second, at most this many pixels on the long side.
PREVIEWS_PER_S = 2
PREVIEW_MAX_PX = 256
# Test and demo knob: milliseconds a worker sleeps after each denoising step.
STEP_DELAY_MS = env_int("MANJU_GENERATION_STEP_DELAY_MS", 0)
# Credits a new demo studio starts with.
DEMO_CREDITS = env_int("MANJU_DEMO_CREDITS", 500)
