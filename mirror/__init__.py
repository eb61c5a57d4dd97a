"""fic-mirror: polite, preservation-grade mirroring of eFiction archives."""

import os

__version__ = "0.1.0"

# Scrapy's cookie middleware asks tldextract for the Public Suffix List, which by default
# downloads it from the internet on first use.  A crawl must contact only the archive it
# mirrors, so use the snapshot tldextract ships (set the variable yourself to override).
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
# ... and keep it in memory: by default tldextract caches it under ~/.cache, and a crawl writes no
# file but the database, its log and the WARC folder.
os.environ.setdefault("TLDEXTRACT_CACHE", "")
