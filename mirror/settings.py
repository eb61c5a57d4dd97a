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
# Obey robots.txt (Scrapy's Protego parser).
ROBOTSTXT_OBEY = True
# One request at a time per site, with a pause between requests.
CONCURRENT_REQUESTS_PER_DOMAIN = 1
CONCURRENT_REQUESTS = 8  # only ever reached across different sites
DOWNLOAD_DELAY = 1.0  # seconds between requests to the same site (`mirror crawl --delay`)
DOWNLOAD_DELAY_JITTER = 0  # no random variation: never go below DOWNLOAD_DELAY
# Who we are.  `mirror crawl --contact` (or MIRROR_CONTACT) appends a contact address.
MIRROR_CONTACT = ""
USER_AGENT = f"fic-mirror/{__version__} (archival crawler for eFiction archives)"

# --- Network ----------------------------------------------------------------------------------------
COOKIES_ENABLED = True  # eFiction keeps rating-gate consent in the PHP session cookie
DOWNLOAD_TIMEOUT = 60
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024  # a whole-story printable page can be a few MB
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
REDIRECT_MAX_TIMES = 5
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
# Requests are made once: a crawl never keeps an HTTP cache of its own (the database is the record).
HTTPCACHE_ENABLED = False

# --- Components ------------------------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.normalise.NormalisePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}
EXTENSIONS = {
    "mirror.extensions.CrawlRunRecorder": 500,
}

# --- fic-mirror -------------------------------------------------------------------------------------
# Database URL (SQLAlchemy).  None: the MIRROR_DATABASE_URL environment variable, else
# sqlite:///mirror.sqlite in the current directory.
MIRROR_DATABASE_URL = None
# The site's PHP date() format for Published/Updated, when no site profile says otherwise.
# eFiction's default is d/m/y.
MIRROR_DATE_FORMAT = "d/m/y"
# Force a page encoding (e.g. "utf-8"); None: header charset if real, then <meta>, then cp1252.
MIRROR_ENCODING = None
# Folder holding site profiles (config/sites/*.toml); None: ./config, then the project's config/.
MIRROR_CONFIG_DIR = None
# Fetch the printable whole-story view (1 request per story); False: one request per chapter.
MIRROR_PRINTABLE = True
# Switches for the pipelines (each raises NotConfigured when False).
MIRROR_STORE_ENABLED = True
MIRROR_RECORD_RUNS = True
