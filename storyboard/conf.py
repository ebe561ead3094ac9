"""Settings of the storyboard app, read from the environment."""

from config.settings import env_int
from creators.conf import VIDEO_MAX_SECONDS


def _params(prefix: str, **keys: str) -> dict:
    """Model parameters the studio's buttons ask for; 0 (the default) leaves the model's
    own default. Tests and demos set small numbers to keep jobs short."""
    values = {name: env_int(f"MANJU_STORYBOARD_{prefix}_{env}", 0) for name, env in keys.items()}
    return {name: value for name, value in values.items() if value}


KEYFRAME_PARAMS = _params("KEYFRAME", steps="STEPS")
MOTION_PARAMS = _params("MOTION", steps="STEPS", frames="FRAMES")

# The voice/music track: at most this many bytes, and no longer than an episode may be.
AUDIO_MAX_BYTES = env_int("STORYBOARD_AUDIO_MAX_BYTES", 50 * 1024**2)
AUDIO_MAX_SECONDS = VIDEO_MAX_SECONDS
