"""WARC capture of every HTTP exchange of a crawl (``mirror crawl --warc DIR``).

* :mod:`mirror.warc.handler`: records each exchange as it went over the wire;
* :mod:`mirror.warc.middleware`: writes it (downloader middleware, ``MIRROR_WARC_DIR``);
* :mod:`mirror.warc.writer`: WARC/1.1 files over warcio (rotation, revisits, recovery);
* :mod:`mirror.warc.index`: a CDXJ index per crawl in ``DIR/indexes/``;
* :mod:`mirror.warc.reader`: reading a response back (``read_response``, ``iter_warc_files``).
"""

from mirror.warc.reader import iter_warc_files, read_response
from mirror.warc.writer import Location, WarcWriter, recover

__all__ = ["Location", "WarcWriter", "iter_warc_files", "read_response", "recover"]
