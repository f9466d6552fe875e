"""Landing folders: every path that no feed takes, with the reason.

Departments drop files into `landing/<feed>/` (HCW_LANDING_DIR). A feed loads the regular files
directly in its own folder whose name matches its `file_pattern` (feeds/loader.py, feed_files).
Anything else would be ignored without a trace, so it is listed here, one entry per file:

  - a file directly in landing/ (not in a feed folder);
  - anything under a folder no feed declares (a misspelt feed name: landing/pension_bed/);
  - a file in a sub-folder of a feed folder (a feed does not read sub-folders);
  - a file whose name does not match the feed's file_pattern: X.CSV in a `*.csv` feed (letter
    case), X.xlsx in a csv feed (another format), notes.txt;
  - something that is not a regular file (a broken link).

An empty sub-folder or an empty unknown folder is listed once, as the folder.
The nightly run lists them in the asset landing/inventory (WARN check landing_files_claimed),
the data-quality report and the alerts; the landing sensor logs them and requests that asset.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path

from dagster_project.feeds.config import FeedConfig

NOT_IN_A_FEED_FOLDER = "not in a feed folder: put it in landing/<feed>/, one folder per feed"


@dataclass(frozen=True)
class Unclaimed:
    path: Path
    relative: str        # relative to the landing folder, '/'-separated; a folder ends with '/'
    feed: str | None     # the declared feed whose folder holds it, else None
    reason: str


def _claimed(folder: Path, cfg: FeedConfig) -> set[Path]:
    # The same expression as feeds/loader.py feed_files for the landing folder.
    return {p for p in folder.glob(cfg.file_pattern) if p.is_file()} if folder.is_dir() else set()


def claimed_files(landing_root: Path, cfg: FeedConfig) -> list[Path]:
    """The files of landing/<feed>/ that the feed reads."""
    return sorted(_claimed(landing_root / cfg.name, cfg))


def _unknown_folder_reason(name: str, feed_names: list[str]) -> str:
    reason = f"unknown feed folder '{name}': no sources/feeds/{name}.yml"
    match = difflib.get_close_matches(name, feed_names, n=1, cutoff=0.6)
    return reason + (f"; did you mean '{match[0]}'?" if match else "")


def _pattern_reason(path: Path, cfg: FeedConfig) -> str:
    pattern = cfg.file_pattern
    if not path.is_file():
        return "not a regular file (a broken link, a socket or a device)"
    if fnmatch.fnmatchcase(path.name.lower(), pattern.lower()):
        hint = ""
        if pattern.startswith("*.") and not any(c in pattern[1:] for c in "*?["):
            hint = f"; rename it to '{path.name[:len(path.name) - len(pattern) + 1]}{pattern[1:]}'"
        return f"name does not match file_pattern '{pattern}' of feed {cfg.name}: the letter case differs{hint}"
    if path.suffix:
        return (f"a '{path.suffix}' file in a {cfg.format} feed: feed {cfg.name} reads only files "
                f"matching '{pattern}'")
    return f"name does not match file_pattern '{pattern}' of feed {cfg.name}"


def _walk(folder: Path):
    """(path, is_folder) for every file below `folder`, and for every folder holding no file."""
    found_file = False
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            found_file = True
            yield Path(root) / name, False
        for name in dirs:
            sub = Path(root) / name
            if sub.is_symlink():  # not followed: listed as it is
                found_file = True
                yield sub, True
    if not found_file:
        yield folder, True


def _feed_folder(folder: Path, cfg: FeedConfig, add) -> None:
    claimed = _claimed(folder, cfg)
    sub_reason = f"in a sub-folder of landing/{cfg.name}/: a feed reads only the files directly in its folder"
    for child in sorted(folder.iterdir()):
        if child in claimed:
            continue
        if child.is_dir() and not child.is_symlink():
            for path, is_folder in _walk(child):
                add(path, is_folder, cfg.name, sub_reason)
        else:
            add(child, False, cfg.name, _pattern_reason(child, cfg))


def _collector(landing_root: Path, out: list[Unclaimed]):
    def add(path: Path, is_folder: bool, feed: str | None, reason: str) -> None:
        relative = path.relative_to(landing_root).as_posix() + ("/" if is_folder else "")
        out.append(Unclaimed(path, relative, feed, reason))
    return add


def unclaimed_files(landing_root: Path, configs: list[FeedConfig]) -> list[Unclaimed]:
    """Every path under `landing_root` that no feed loads, with the reason; sorted by path."""
    if not landing_root.is_dir():
        return []
    feeds = {c.name: c for c in configs}
    out: list[Unclaimed] = []
    add = _collector(landing_root, out)
    for entry in sorted(landing_root.iterdir()):
        if not entry.is_dir():
            add(entry, False, None, NOT_IN_A_FEED_FOLDER)
        elif entry.name in feeds:
            _feed_folder(entry, feeds[entry.name], add)
        else:
            reason = _unknown_folder_reason(entry.name, sorted(feeds))
            for path, is_folder in _walk(entry):
                add(path, is_folder, None, reason)
    return sorted(out, key=lambda u: u.relative)


def unclaimed_in_feed_folder(landing_root: Path, cfg: FeedConfig) -> list[Unclaimed]:
    """The part of unclaimed_files() inside landing/<feed>/ of one feed."""
    folder = landing_root / cfg.name
    out: list[Unclaimed] = []
    if folder.is_dir():
        _feed_folder(folder, cfg, _collector(landing_root, out))
    return sorted(out, key=lambda u: u.relative)
