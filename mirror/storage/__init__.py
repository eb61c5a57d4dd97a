"""Storage layer: SQLAlchemy models and the :class:`Store` API.

Typical use::

    from mirror.storage import Store, database_url

    with Store(database_url(None)) as store:
        result = store.upsert_story(story)   # "new" | "changed" | "unchanged"
        events = store.story_history(story.site, story.story_id)   # what the site said over time
"""

from .models import (
    ChallengeRow,
    ChallengeVersionRow,
    AuthorProfileRow,
    AuthorProfileVersionRow,
    AuthorRow,
    Base,
    ChapterAuthorRow,
    ChapterRow,
    ChapterVersionRow,
    CrawlRun,
    CrawlStory,
    NAMING_CONVENTION,
    ReviewReadRow,
    ReviewRow,
    ReviewVersionRow,
    SeriesItemRow,
    SeriesRow,
    SiteRow,
    StoryAuthorRow,
    StoryEventRow,
    StoryRow,
    StorySeriesRow,
    StorySourceRow,
    StoryVersionRow,
    TABLE_NAMES,
    UTCDateTime,
)
from .store import (
    DATABASE_URL_ENV,
    DEFAULT_DATABASE_URL,
    RUN_COUNTERS,
    UPSERT_CHANGED,
    UPSERT_NEW,
    UPSERT_UNCHANGED,
    SUPPORTED_BACKENDS,
    StorageError,
    Store,
    classes_from_json,
    database_url,
    json_safe,
    parse_story_url,
    tags_from_json,
)

__all__ = [
    "ChallengeRow",
    "ChallengeVersionRow",
    "AuthorRow",
    "Base",
    "ChapterAuthorRow",
    "ChapterRow",
    "ChapterVersionRow",
    "CrawlRun",
    "CrawlStory",
    "DATABASE_URL_ENV",
    "DEFAULT_DATABASE_URL",
    "NAMING_CONVENTION",
    "RUN_COUNTERS",
    "SeriesItemRow",
    "SeriesRow",
    "StorySourceRow",
    "SiteRow",
    "SUPPORTED_BACKENDS",
    "StorageError",
    "Store",
    "StoryAuthorRow",
    "StoryEventRow",
    "StoryRow",
    "StorySeriesRow",
    "StoryVersionRow",
    "TABLE_NAMES",
    "UPSERT_CHANGED",
    "UPSERT_NEW",
    "UPSERT_UNCHANGED",
    "UTCDateTime",
    "database_url",
    "classes_from_json",
    "json_safe",
    "tags_from_json",
    "parse_story_url",
]
