"""Distributed crawling on Celery: many workers, one site per task, one crawl per site at a time.

* :mod:`mirror.cluster.app`: the Celery app (configured from ``MIRROR_*`` settings), the
  ``mirror.crawl_site`` task, enqueueing, the beat schedule built from the site profiles;
* :mod:`mirror.cluster.child`: the crawl process a task starts (Scrapy's reactor cannot restart
  inside a worker process), which holds the site's lock while it crawls;
* :mod:`mirror.cluster.lock`: the per-site lock every crawl takes (a ``site_locks`` row in the
  database, :mod:`mirror.storage.locks`), taken over when its holder is dead.

Celery is imported only by :mod:`mirror.cluster.app`.
"""
