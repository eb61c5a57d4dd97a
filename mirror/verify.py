"""``mirror verify``: is the preservation copy whole?

1. Every WARC file in the folder reads to its end and every record's digests match (the same
   check as ``warcio check``).
2. Every stored story page and chapter points at a WARC record that exists, is a response for
   that very URL, and
3. parsing those records again (extract + normalise, as a crawl does) gives the stored text of
   every chapter.

Read-only: nothing is written to the database or the WARC folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mirror.items import STATUS_RESTRICTED, Source
from mirror.parsing.dates import DEFAULT_FORMAT as DEFAULT_DATE_FORMAT
from mirror.parsing.efiction import ParseError, StoryUnavailable
from mirror.parsing.whole import extract as extract_story
from mirror.rebuild import SourceMissing, load_page, story_pages
from mirror.storage import Store, database_url
from pipelines.normalise import normalise_story


@dataclass
class VerifyReport:
    warc_files: int = 0
    records: int = 0
    stories: int = 0
    chapters: int = 0
    not_captured: int = 0  # stories stored by crawls without --warc: nothing to check them against
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        head = (f"{self.warc_files} WARC files, {self.records} records checked; {self.stories} stories and "
                f"{self.chapters} chapters match their WARC records")
        if self.not_captured:
            head += f"; {self.not_captured} stories have no WARC record (crawled without --warc)"
        return head + (f"; {len(self.problems)} problems" if self.problems else "; no problems")


def check_warc(path: Path) -> tuple[int, list[str]]:
    """Read one WARC file through, checking every record's digests: (records, problems)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    records, problems = 0, []
    try:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream, check_digests=True)
            for record in iterator:
                content = record.content_stream()
                while content.read(1 << 20):
                    pass
                records += 1
                if record.digest_checker.passed is False:
                    problems += [f"{path.name} offset {iterator.get_record_offset()}: {problem}"
                                 for problem in record.digest_checker.problems]
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        problems.append(f"{path.name}: unreadable after {records} records ({type(exc).__name__}: {exc})")
    return records, problems


def verify(warc_dir: str | Path, *, db_url: str | None = None, site: str | None = None) -> VerifyReport:
    warc_dir = Path(warc_dir)
    if not warc_dir.is_dir():
        raise ValueError(f"no WARC folder at {warc_dir}")
    report = VerifyReport()
    for path in sorted(warc_dir.glob("*.warc.gz")) + sorted(warc_dir.glob("*.warc")):
        records, problems = check_warc(path)
        report.warc_files += 1
        report.records += records
        report.problems += problems
    from mirror.storage.check import quick_check

    quick_check(database_url(db_url))  # the database's own pages first: a damaged one is said so
    with Store(database_url(db_url), create=False) as store:  # reads only: a missing file is an error
        date_format = {}
        for entry in store.iter_sources(site=site):
            where = f"story {entry['story_id']} of {entry['site']}"
            if not any(source.warc_filename for source in entry["sources"]):
                report.not_captured += 1
                continue
            if entry["site"] not in date_format:
                date_format[entry["site"]] = store.last_date_format(entry["site"]) or DEFAULT_DATE_FORMAT
            try:
                capture = story_pages(entry, warc_dir, date_format[entry["site"]])
                story = normalise_story(extract_story(capture))
            except SourceMissing as exc:
                report.problems.append(f"{where}: source record missing: {exc}")
                continue
            except (ParseError, StoryUnavailable) as exc:
                report.problems.append(f"{where}: its WARC records no longer parse: {exc}")
                continue
            report.stories += 1
            if story.status == STATUS_RESTRICTED:
                continue
            texts = {chapter.number: chapter.text_html for chapter in story.chapters if chapter.text_html}
            read = {(source.warc_filename, source.warc_offset) for source in entry["sources"]}
            for number, (text, url, filename, offset) in entry["chapters"].items():
                if filename is None:
                    continue  # carried over from an earlier crawl without a capture
                if (filename, offset) not in read:  # kept from an earlier capture: it must exist
                    try:
                        load_page(Source(url=url, kind="chapter", status=200, warc_filename=filename,
                                         warc_offset=offset), warc_dir)
                        report.chapters += 1
                    except SourceMissing as exc:
                        report.problems.append(f"{where}: chapter {number}: source record missing: {exc}")
                    continue
                if number not in texts:
                    report.problems.append(f"{where}: chapter {number} is not in its WARC record "
                                           f"{filename}:{offset}")
                elif texts[number] != text:
                    report.problems.append(f"{where}: chapter {number} differs from its WARC record "
                                           f"{filename}:{offset}")
                else:
                    report.chapters += 1
    return report
