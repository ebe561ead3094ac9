"""Settings of the review app, read from the environment."""

from config.settings import env_int

# How long a claim holds an item for one reviewer before it returns to the queue.
CLAIM_MINUTES = env_int("REVIEW_CLAIM_MINUTES", 30)
# Items waiting longer than this are shown as late (the SLA).
SLA_HOURS = env_int("REVIEW_SLA_HOURS", 24)
# The queue page picks up submitted episodes that have no open item at most this often.
SYNC_SECONDS = env_int("REVIEW_SYNC_SECONDS", 5)
# Per-state counts on the queue page are cached this long (counting 100,000 rows per
# request would cost more than the page itself).
COUNTS_CACHE_SECONDS = env_int("REVIEW_COUNTS_CACHE_SECONDS", 10)
QUEUE_PAGE_SIZE = env_int("REVIEW_QUEUE_PAGE_SIZE", 50)
# Near-duplicates: frames within this many bits of a published frame match; an episode
# is a duplicate when at least DUP_MIN_PERCENT of its sampled frames match one episode.
DUP_MAX_DISTANCE = env_int("REVIEW_DUP_MAX_DISTANCE", 10)
DUP_MIN_PERCENT = env_int("REVIEW_DUP_MIN_PERCENT", 50)
# Sampled frames per second of video for hashing and label checks.
SAMPLE_FPS = env_int("REVIEW_SAMPLE_FPS", 1)
MAX_SAMPLES = env_int("REVIEW_MAX_SAMPLES", 600)
# Duration bounds of a manju episode (about 1–3 minutes): outside them is a warning.
MIN_SECONDS = env_int("REVIEW_MIN_SECONDS", 60)
MAX_SECONDS = env_int("REVIEW_MAX_SECONDS", 180)
# A hook line longer than this cannot be read in the first three seconds.
HOOK_MAX_CHARS = env_int("REVIEW_HOOK_MAX_CHARS", 24)
# The longest note a reviewer may write with a decision (checked by the forms and again
# by the services, so no caller stores a longer one).
NOTE_MAX_CHARS = env_int("REVIEW_NOTE_MAX_CHARS", 2000)
# How far ahead a publish day may be set: the minimum guarantee waits for it, so a year
# typed wrong (2099) would hold the studio's advance back for good.
PUBLISH_AHEAD_DAYS = env_int("REVIEW_PUBLISH_AHEAD_DAYS", 180)
