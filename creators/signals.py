"""Signals other apps listen to, so creators never imports them (review opens a queue item
when an episode is submitted; the duplicate library learns of imported published ones)."""

from django.dispatch import Signal

# Sent after the submitting transaction commits; kwargs: episode.
episode_submitted = Signal()
# Sent after an episode arrives already published (catalog import); kwargs: episode.
episode_published = Signal()
