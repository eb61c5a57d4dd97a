"""Scrapy settings for fic-mirror: the one place every default lives.

Scrapy's own settings come first, then ours (``MIRROR_*``).  Each is documented
here and in the README ("Settings").  ``tests/test_settings.py`` asserts the
polite defaults, so loosening one is a deliberate, reviewed change.
"""

from mirror import __version__

BOT_NAME = "fic-mirror"
SPIDER_MODULES = ["mirror.spiders"]
NEWSPIDER_MODULE = "mirror.spiders"

# --- Being a good guest --------------------------------------------------------------------------
# Obey robots.txt (Scrapy's Protego parser); its Crawl-delay raises the site's delay
# (mirror.extensions.SiteDelay).  `mirror crawl --ignore-robots` turns this off, loudly.
ROBOTSTXT_OBEY = True
# One request at a time per site, with a pause between requests.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_REQUESTS = 8  # only ever reached across different sites
DOWNLOAD_DELAY = 2.0  # seconds between requests to the same site (profile `delay`, `--delay`)
DOWNLOAD_DELAY_JITTER = 0  # no random variation: never go below DOWNLOAD_DELAY
# A slow site slows us down (never below its delay: mirror.extensions.PoliteAutoThrottle).
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
# Who we are.  `mirror crawl --contact` (or MIRROR_CONTACT) appends a contact address.
MIRROR_CONTACT = ""
USER_AGENT_TEMPLATE = "fic-mirror/{version} (archival crawler for eFiction archives{contact})"
USER_AGENT = USER_AGENT_TEMPLATE.format(version=__version__, contact="")
# 429/503: wait as long as Retry-After says (or back off exponentially, with jitter), then retry.
MIRROR_RETRY_AFTER_ENABLED = True
MIRROR_RETRY_AFTER_TIMES = 5  # retries of one request after 429/503
MIRROR_RETRY_AFTER_MAX = 600.0  # the longest wait we accept, in seconds
# Pause the crawl (state saved, resumable) after this many failures in a row (errors, 5xx).
MIRROR_MAX_CONSECUTIVE_FAILURES = 10
# Retry eFiction's HTTP-200 error pages (empty body, "A fatal MySQL error was encountered").
MIRROR_ERROR_PAGE_RETRY = True

# --- Network ----------------------------------------------------------------------------------------
COOKIES_ENABLED = True  # eFiction keeps rating-gate consent and logins in the PHP session cookie
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # largest page accepted; a whole-story printable can be a few MB
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True  # a body cut short is an error (retried), never stored
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 504, 522, 524, 408]  # 429 and 503 go through Retry-After handling
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control (an HTTP server on a local port that runs Python code sent to it, and a
# job file with its token in the user's state folder) is off: no crawl listens on any port.
# `-s REMOTE_CONTROL_ENABLED=1` turns it on; the job files a killed crawl left behind are then
# removed by the next crawl (mirror.remote.StaleJobFiles).
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
# Requests are made once: a crawl never keeps an HTTP cache of its own (the database is the record).
HTTPCACHE_ENABLED = False

# --- Components ------------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.normalise.NormalisePipeline": 300,
    "pipelines.store.StorePipeline": 400,
    # after the store: downloads the images a stored story shows (MIRROR_IMAGES)
    "pipelines.images.ImagePipeline": 500,
}
DOWNLOADER_MIDDLEWARES = {
    "mirror.middlewares.StayOnSiteMiddleware": 40,
    # process_response runs from the highest number down: these see a response before
    # Scrapy's RetryMiddleware (550).
    "mirror.middlewares.ErrorPageRetryMiddleware": 560,
    "mirror.middlewares.RetryAfterMiddleware": 570,
    "mirror.middlewares.SiteHealthMiddleware": 580,
    # Above HttpCompressionMiddleware (590) and RedirectMiddleware (600): it archives every
    # response as received, before decompression, redirects and retries.  Off unless
    # MIRROR_WARC_DIR is set.
    "mirror.warc.middleware.WarcCaptureMiddleware": 950,
}
LOG_FORMATTER = "mirror.logformatter.ShortItemLogFormatter"
EXTENSIONS = {
    # first of all: the site's lock is taken before anything starts (mirror/sitelock.py)
    "mirror.sitelock.SiteLockExtension": -100,
    "scrapy.extensions.throttle.AutoThrottle": None,
    "mirror.extensions.PoliteAutoThrottle": 0,
    "mirror.extensions.SiteDelay": 10,
    "mirror.progress.Progress": 300,
    "mirror.progress.TerminalNotices": 310,
    "mirror.sync.SyncPlanner": 400,
    "mirror.extensions.CrawlRunRecorder": 500,
    "mirror.breaker.SiteBreaker": 600,
    "mirror.remote.StaleJobFiles": 700,
}

# --- fic-mirror -------------------------------------------------------------------------------------
# Database URL (SQLAlchemy).  None: the MIRROR_DATABASE_URL environment variable, else
# sqlite:///mirror.sqlite in the current directory.
MIRROR_DATABASE_URL = None
# The site's PHP date() format for Published/Updated, when no site profile says otherwise:
# "auto" infers it from the first listing page's dates (a day over 12, published before
# updated; eFiction's default d/m/y when they cannot tell), or a PHP date() string such as "d/m/y".
MIRROR_DATE_FORMAT = "auto"
# Force a page encoding (e.g. "utf-8"); None: header charset if real, then <meta>, then cp1252.
MIRROR_ENCODING = None
# Folder holding site profiles (config/sites/*.toml); None: ./config, then the project's config/.
MIRROR_CONFIG_DIR = None
# The site profile to use, by name (`mirror crawl --profile NAME`); None: the profile whose
# base_url is the crawled URL, if any.
MIRROR_PROFILE = None
# Fetch the printable whole-story view (1 request per story); False: one request per chapter.
MIRROR_PRINTABLE = True
# A story's index (viewstory.php?sid=N&index=1): "auto" reads it only when the listing block and
# the printable view do not give the whole story (mirror/spiders/story.py: why, counted as
# mirror/index/<reason>); "always" reads every story's index (its chapter ids, as before).
MIRROR_INDEX = "auto"
# The site-level breaker (mirror/breaker.py): the crawl stops when FIRST_BAD of the FIRST stories,
# or IN_A_ROW stories in a row, could not be read or their renderings disagree.  `mirror crawl
# --force` sets MIRROR_BREAKER_ENABLED = False.
MIRROR_BREAKER_ENABLED = True
MIRROR_BREAKER_FIRST = 5
MIRROR_BREAKER_FIRST_BAD = 3
MIRROR_BREAKER_IN_A_ROW = 5
# A crawl of a site already mirrored is a re-sync (only new and changed stories are fetched);
# True: fetch everything (`mirror crawl --full`), to catch edits the listing does not show.
MIRROR_FULL = False
# Read the series pages (viewseries.php) too: each series' order, nesting and own metadata.
MIRROR_SERIES = True
# Read every story's reviews (reviews.php, when the listing shows "Reviews: N" > 0; a re-sync
# only where that count changed or the story did), after the story pages.
MIRROR_REVIEWS = True
# Read the profile (viewuser.php) of every author of a fetched story (a re-sync: authors of new
# and changed stories, and those never read), after the story pages.
MIRROR_AUTHORS = True
# Read the challenges module: browse.php?type=challenges and each challenge's page (a re-sync:
# the challenges of new and changed stories, and those never read), after the story pages.
MIRROR_CHALLENGES = True
# Read the taxonomy from the browse pages (browse.php: class types; type=categories and each
# category's page: the tree; type=characters, type=ratings, type=class&type_id=T), once per full
# crawl after the story pages; a re-sync reads a part again only when a new or changed story shows
# a category, character, rating or class not stored (or the part was never read).
MIRROR_TAXONOMY = True
# Download the images a stored story's notes and chapters show (<img src>, else the first srcset
# candidate), after the story pages, each content stored once by SHA-256; a re-sync fetches only
# image URLs not stored yet.  Exports embed (EPUB, HTML) or list (JSONL) them.
MIRROR_IMAGES = True
# Also images on other hosts (each host with its own download slot, delay and robots.txt);
# False: only the archive's own host (and port), the others are counted, not fetched.
MIRROR_IMAGES_OFFSITE = False
# The largest image accepted, in bytes (larger ones are refused and recorded as failed).
MIRROR_IMAGE_MAX_BYTES = 10 * 1024 * 1024
# Re-sync stops paging below the last successful sync's date less this many days.
MIRROR_RESYNC_MARGIN_DAYS = 2
# Progress: "auto" (a display on standard error when it is a terminal, else one line there every
# MIRROR_PROGRESS_INTERVAL seconds), "bar", "log" (those lines) or "off".
MIRROR_PROGRESS = "auto"
MIRROR_PROGRESS_INTERVAL = 60.0
# `mirror crawl`'s log (Scrapy's, alembic's, ours) goes to this file unless -v or --log-level puts
# it on the terminal (LOG_FILE, if set, wins); None: beside the SQLite database (mirror.sqlite ->
# mirror.log), or mirror.log in the current folder for PostgreSQL.  It is appended to.
MIRROR_LOG_FILE = None
# Switches for the pipelines (each raises NotConfigured when False).
MIRROR_EXTRACT_ENABLED = True
MIRROR_VALIDATE_ENABLED = True
MIRROR_NORMALISE_ENABLED = True
MIRROR_STORE_ENABLED = True
# Run the store's transactions in this many processes of their own (each with one database
# connection) instead of the reactor's thread pool (0).  "auto": 1 when politeness is off
# (DOWNLOAD_DELAY 0 and CONCURRENT_REQUESTS_PER_DOMAIN above 1): such a crawl is bound by one CPU
# core, which the store then no longer shares; else 0: a polite crawl waits for the site, not for
# a core, and a process would only cost memory (~80 MB) and a second to start.
MIRROR_STORE_PROCESSES = "auto"
MIRROR_RECORD_RUNS = True
# One crawl per site (mirror/sitelock.py): a crawl takes the site's lock in the database before
# any request and refuses (finish reason site_busy, exit 75) while another live crawl holds it.
# The holder writes a heartbeat every HEARTBEAT seconds; a lock is taken over when its holder is
# gone: on the same host its process has ended, on another host its heartbeat is older than
# STALE seconds.
MIRROR_SITE_LOCK_ENABLED = True
MIRROR_SITE_LOCK_HEARTBEAT = 30.0
MIRROR_SITE_LOCK_STALE = 180.0
# WARC capture (`mirror crawl --warc DIR`): every HTTP exchange into WARC/1.1 files in this
# folder, with a CDXJ index per crawl in DIR/indexes/.  None: no capture.
MIRROR_WARC_DIR = None
# Start a new WARC file once the current one reaches this many bytes (default 1 GB).
MIRROR_WARC_MAX_SIZE = 1_000_000_000
# WARC file names: PREFIX-TIMESTAMP-SERIAL.warc.gz
MIRROR_WARC_PREFIX = "fic-mirror"
# Form fields whose values are replaced with REDACTED in archived request bodies (the login).
MIRROR_WARC_REDACT_FIELDS = ["password", "pass", "passwd", "pwd"]
# fsync each WARC record as it is written (a crash or power cut loses no record the database names).
MIRROR_WARC_FSYNC = True
# The download handler that records each exchange as it went over the wire; `mirror crawl`
# installs it for http and https when MIRROR_WARC_DIR is set.
MIRROR_WARC_DOWNLOAD_HANDLER = "mirror.warc.handler.WireRecordingDownloadHandler"
