"""Site profiles: per-site differences as data (``config/sites/<name>.toml``).

A profile is a small TOML file::

    name = "lantern-hollow"
    base_url = "http://example.org/fiction/"
    date_format = "d/m/y"      # PHP date() format of Published/Updated
    encoding = "auto"          # or e.g. "utf-8", "windows-1252"
    delay = 2.0                # seconds between requests (optional)
    notes = "free text"

Unknown keys and wrong types are errors that name the file and the key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from mirror import urls


class ProfileError(ValueError):
    pass


@dataclass(frozen=True)
class Profile:
    name: str
    base_url: str
    date_format: str = "d/m/y"
    encoding: str | None = None
    delay: float | None = None
    notes: str = ""
    path: Path | None = None


_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str, "base_url": str, "date_format": str, "encoding": str,
    "delay": (int, float), "notes": str,
}


def config_dirs(explicit: str | os.PathLike | None = None) -> list[Path]:
    """Where profiles are looked for, first match wins."""
    if explicit:
        return [Path(explicit)]
    dirs = []
    if os.environ.get("MIRROR_CONFIG_DIR"):
        dirs.append(Path(os.environ["MIRROR_CONFIG_DIR"]))
    dirs.append(Path.cwd() / "config")
    dirs.append(Path(__file__).resolve().parent.parent / "config")
    return dirs


def load_profile(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read site profile: {exc}") from exc
    for key, value in data.items():
        if key not in _KEYS:
            raise ProfileError(f"{path}: unknown key {key!r} (known: {', '.join(sorted(_KEYS))})")
        if not isinstance(value, _KEYS[key]) or isinstance(value, bool):
            raise ProfileError(f"{path}: {key!r} has the wrong type ({type(value).__name__})")
    if "base_url" not in data:
        raise ProfileError(f"{path}: 'base_url' is required")
    try:
        base = urls.normalise_base(data["base_url"])
    except urls.BadURL as exc:
        raise ProfileError(f"{path}: base_url: {exc}") from exc
    encoding = data.get("encoding")
    return Profile(
        name=data.get("name", path.stem), base_url=base,
        date_format=data.get("date_format", "d/m/y"),
        encoding=None if encoding in (None, "auto") else encoding,
        delay=float(data["delay"]) if "delay" in data else None,
        notes=data.get("notes", ""), path=path,
    )


def load_profiles(config_dir: str | os.PathLike | None = None) -> list[Profile]:
    for directory in config_dirs(config_dir):
        sites = directory / "sites"
        if sites.is_dir():
            return [load_profile(p) for p in sorted(sites.glob("*.toml"))]
    return []


def find_profile(base_url: str, config_dir: str | os.PathLike | None = None) -> Profile | None:
    """The profile whose base_url is this archive's, if any."""
    base = urls.normalise_base(base_url)
    for profile in load_profiles(config_dir):
        if profile.base_url == base:
            return profile
    return None


def get_profile(name: str, config_dir: str | os.PathLike | None = None) -> Profile:
    for profile in load_profiles(config_dir):
        if profile.name == name:
            return profile
    raise ProfileError(f"no site profile named {name!r} in {config_dirs(config_dir)[0] / 'sites'}")
