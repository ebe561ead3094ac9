"""Settings of the creators app: upload limits and the rules a video must meet."""

from pathlib import Path

from django.conf import settings

from config.settings import env_int

# settings.UPLOAD_MAX_BYTES and settings.UPLOAD_CHUNK_MAX_BYTES are read at each request.
# Covers are small; a bigger "image" is refused before a byte of it is stored.
# A person owning this many studios (the one from sign-up included) starts no more.
STUDIOS_OWNED_MAX = env_int("STUDIOS_OWNED_MAX", 5)
COVER_MAX_BYTES = env_int("COVER_MAX_BYTES", 20 * 1024**2)
# Pixel limit against decompression bombs: a 9:16 cover of 4320×7680 is ~33 MP.
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
# Uploads untouched for this long are removed by creators.cleanup_abandoned_uploads.
UPLOAD_ABANDONED_AFTER_S = env_int("UPLOAD_ABANDONED_AFTER_S", 24 * 3600)
# A studio receives at most this many uploads at once (each may announce 2 GiB).
UPLOAD_MAX_OPEN = env_int("UPLOAD_MAX_OPEN", 20)

VIDEO_MIN_SECONDS = 30
VIDEO_MAX_SECONDS = 300
VIDEO_MAX_WIDTH = 1080
VIDEO_MAX_HEIGHT = 1920
VIDEO_MAX_FPS = 60
ASPECT_TOLERANCE = 0.02
PREVIEW_SECONDS = 3


def upload_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "uploads"
