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

# How much one storyboard and one series may hold: a storyboard's shots (an episode lasts at
# most 300 s, and a shot at least 0.5 s, but no page should carry thousands of shot forms)
# and a series' characters (each shot's form lists them all).
SHOTS_MAX = env_int("STORYBOARD_SHOTS_MAX", 200)
CHARACTERS_MAX = env_int("STORYBOARD_CHARACTERS_MAX", 50)
# How many reference pictures a character may hold (its oldest one conditions keyframes).
REFERENCES_MAX = env_int("STORYBOARD_REFERENCES_MAX", 5)

# Episodes per page of the storyboard index.
INDEX_PAGE_SIZE = env_int("STORYBOARD_INDEX_PAGE_SIZE", 50)
