"""Landing folders: every path no feed reads is listed with its reason, and nothing a feed reads is."""

from __future__ import annotations

import os

from dagster_project.feeds.config import load_feed_configs
from dagster_project.feeds.landing import claimed_files, unclaimed_files, unclaimed_in_feed_folder
from dagster_project.feeds.loader import feed_files


def _touch(path, text="x"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _landing(tmp_path):
    root = tmp_path / "landing"
    _touch(root / "pension_beds" / "pension_beds_2025.csv")              # read by the feed
    _touch(root / "pension_beds" / "pension_beds_2026.CSV")              # letter case
    _touch(root / "pension_beds" / "pension_beds_2026.xlsx")             # another format
    _touch(root / "pension_beds" / "README")                             # no extension
    _touch(root / "pension_beds" / "old" / "pension_beds_2019.csv")      # sub-folder
    (root / "pension_beds" / "empty").mkdir()                            # empty sub-folder
    os.symlink(root / "nowhere.csv", root / "pension_beds" / "link.csv")  # broken link
    _touch(root / "pension_bed" / "pension_beds_2025.csv")               # misspelt feed folder
    (root / "zzz_unknown").mkdir()                                       # empty unknown folder
    _touch(root / "city_panel" / "panel_2013.xlsx")                      # read (xlsx feed)
    _touch(root / "city_panel" / "panel_2013.csv")                       # csv in an xlsx feed
    _touch(root / "population_by_age_2025.csv")                          # not in a feed folder
    return root


def test_every_unread_path_is_listed_with_its_exact_reason(tmp_path):
    root = _landing(tmp_path)
    found = [(u.relative, u.feed, u.reason) for u in unclaimed_files(root, load_feed_configs())]
    sub = "in a sub-folder of landing/pension_beds/: a feed reads only the files directly in its folder"
    assert found == [
        ("city_panel/panel_2013.csv", "city_panel",
         "a '.csv' file in a xlsx feed: feed city_panel reads only files matching '*.xlsx'"),
        ("pension_bed/pension_beds_2025.csv", None,
         "unknown feed folder 'pension_bed': no sources/feeds/pension_bed.yml; did you mean 'pension_beds'?"),
        ("pension_beds/README", "pension_beds", "name does not match file_pattern '*.csv' of feed pension_beds"),
        ("pension_beds/empty/", "pension_beds", sub),
        ("pension_beds/link.csv", "pension_beds", "not a regular file (a broken link, a socket or a device)"),
        ("pension_beds/old/pension_beds_2019.csv", "pension_beds", sub),
        ("pension_beds/pension_beds_2026.CSV", "pension_beds",
         "name does not match file_pattern '*.csv' of feed pension_beds: the letter case differs; "
         "rename it to 'pension_beds_2026.csv'"),
        ("pension_beds/pension_beds_2026.xlsx", "pension_beds",
         "a '.xlsx' file in a csv feed: feed pension_beds reads only files matching '*.csv'"),
        ("population_by_age_2025.csv", None, "not in a feed folder: put it in landing/<feed>/, one folder per feed"),
        ("zzz_unknown/", None, "unknown feed folder 'zzz_unknown': no sources/feeds/zzz_unknown.yml"),
    ]


def test_listed_and_loaded_files_cover_the_landing_folder_exactly(tmp_path):
    """What the loader reads (feed_files) and what is listed as unread never overlap and together
    are every file under landing/: nothing is read twice or silently skipped."""
    root = _landing(tmp_path)
    configs = load_feed_configs()
    no_bundled = tmp_path / "no_sources"
    loaded = {p for cfg in configs for p in feed_files(cfg, no_bundled, root)}
    listed = {u.path for u in unclaimed_files(root, configs)}
    every_file = {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    assert loaded == {root / "pension_beds" / "pension_beds_2025.csv", root / "city_panel" / "panel_2013.xlsx"}
    assert not loaded & listed
    assert every_file == loaded | (listed & every_file)
    assert {p for cfg in configs for p in claimed_files(root, cfg)} == loaded


def test_one_feed_folder_and_missing_landing(tmp_path):
    root = _landing(tmp_path)
    cfg = next(c for c in load_feed_configs() if c.name == "city_panel")
    assert [u.relative for u in unclaimed_in_feed_folder(root, cfg)] == ["city_panel/panel_2013.csv"]
    assert unclaimed_files(tmp_path / "does_not_exist", load_feed_configs()) == []
    assert unclaimed_in_feed_folder(tmp_path / "does_not_exist", cfg) == []

