"""Site profiles: per-site differences as data (``config/sites/<name>.toml``).

A profile is a small TOML file::

    name = "lantern-hollow"
    base_url = "http://example.org/fiction/"
    date_format = "d/m/y"      # PHP date() format of Published/Updated
    encoding = "auto"          # or e.g. "utf-8", "windows-1252"
    delay = 2.0                # seconds between requests (optional)
    username_env = "MIRROR_LANTERN_USERNAME"   # where the login is (optional; these are the defaults)
    password_env = "MIRROR_LANTERN_PASSWORD"
    notes = "free text"

Unknown keys and wrong types are errors that name the file and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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
    username_env: str | None = None
    password_env: str | None = None
    path: Path | None = None


_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str, "base_url": str, "date_format": str, "encoding": str,
    "delay": (int, float), "notes": str, "username_env": str, "password_env": str,
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
        notes=data.get("notes", ""), username_env=data.get("username_env"),
        password_env=data.get("password_env"), path=path,
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


def env_prefix(base_url: str, profile: Profile | None) -> str:
    """MIRROR_<SITE>_: SITE is the profile's name, else the host name, in capitals."""
    name = profile.name if profile else (urlsplit(base_url).hostname or "site")
    return "MIRROR_" + re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_") + "_"


def credentials(base_url: str, profile: Profile | None,
                environ: Mapping[str, str] | None = None) -> tuple[str, str] | None:
    """(username, password) for the site from the environment, or None.

    Read from the variables the profile names, else ``MIRROR_<SITE>_USERNAME`` and
    ``MIRROR_<SITE>_PASSWORD``.  The password is never logged or stored."""
    environ = os.environ if environ is None else environ
    prefix = env_prefix(base_url, profile)
    user_var = (profile.username_env if profile else None) or prefix + "USERNAME"
    pass_var = (profile.password_env if profile else None) or prefix + "PASSWORD"
    username, password = environ.get(user_var), environ.get(pass_var)
    if username and password:
        return username, password
    if username or password:
        raise ProfileError(f"set both {user_var} and {pass_var} to log in (only one is set)")
    return None


def get_profile(name: str, config_dir: str | os.PathLike | None = None) -> Profile:
    for profile in load_profiles(config_dir):
        if profile.name == name:
            return profile
    raise ProfileError(f"no site profile named {name!r} in {config_dirs(config_dir)[0] / 'sites'}")
