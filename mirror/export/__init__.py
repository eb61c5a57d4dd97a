"""Exporters: turn the stored mirror into files.  Writers take an open stream."""

from .jsonl import (
    CHAPTER_KEYS,
    KEY_DOCS,
    STORY_KEYS,
    chapter_record,
    dumps_record,
    story_record,
    write_jsonl,
)

__all__ = [
    "CHAPTER_KEYS",
    "KEY_DOCS",
    "STORY_KEYS",
    "chapter_record",
    "dumps_record",
    "story_record",
    "write_jsonl",
]
