"""Settings of the library app, read from the environment."""

from config.settings import env_int

# A license ending within this many days is flagged to its studio.
EXPIRY_WARNING_DAYS = env_int("LIBRARY_EXPIRY_WARNING_DAYS", 30)
# Results per page of the library, and how far the result count is counted exactly.
PAGE_SIZE = env_int("LIBRARY_PAGE_SIZE", 24)
COUNT_CAP = env_int("LIBRARY_COUNT_CAP", 1000)
