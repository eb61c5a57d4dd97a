"""fic-mirror's own signals (sent by the spider, recorded by the crawl-run extension)."""

# story_ids: list[int] — stories found on a listing page, to be fetched in this run
stories_discovered = object()
# story_id: int, reason: str — a story whose pages could not be fetched after retries
story_failed = object()
# counts: {story_id: (read_count, review_count)} — listed stories a re-sync found unchanged
stories_unchanged = object()
# (no arguments) — the breaker judged the first stories of the crawl and the site is understood:
# the stories the spider held back until then may be asked for (mirror/breaker.py)
site_understood = object()
# story_id: int, differences: list[str] | None — the crawl's index check (mirror/parsing/whole.py):
# what a story's index showed otherwise than its listing and printable view ([]: nothing, the
# index of the other stories need not be read; None: that story could not be compared)
index_checked = object()
