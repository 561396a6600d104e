"""`feedvault init`: a commented feedvault.toml for a site generator, and the files to run it."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from archive import HIDDEN, PRESETS
from crawler.commands.exit import EXIT_OK, EXIT_USAGE

CONFIG = "feedvault.toml"
WORKFLOW = Path(".github", "workflows", "feedvault.yml")
SYSTEMD = Path("systemd")


@dataclass(frozen=True)
class Generator:
    """Where a site generator reads posts and serves static files from, relative to the site."""

    name: str
    archive: str
    archive_note: str
    images: str
    images_note: str


GENERATORS = {
    "hexo": Generator("Hexo", "source/_posts", "   # Hexo reads posts from source/_posts",
                      "source/images", "   # Hexo serves source/images at /images/"),
    "hugo": Generator("Hugo", "content/posts", "   # the `posts` section of Hugo's content/",
                      "static/images", "   # Hugo serves static/images at /images/"),
    # The Jekyll preset writes `_posts/<source>/…` under the archive root: the site itself.
    "jekyll": Generator("Jekyll", ".", "   # the site root: articles go to _posts/<source>/",
                        "images", "   # Jekyll serves images/ at /images/"),
}
assert set(GENERATORS) == set(PRESETS)


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser(
        "init", parents=[common], help="write a feedvault.toml for a Hexo, Hugo or Jekyll site",
        description="Write a commented feedvault.toml into the site folder, with the archive "
                    "where the generator reads posts; optionally a GitHub Actions workflow and "
                    "systemd units. Existing files are kept unless --force.",
    )
    parser.add_argument("dir", nargs="?", type=Path, default=Path("."), metavar="DIR",
                        help="the site's folder (default: the current folder)")
    parser.add_argument("--preset", required=True, choices=sorted(PRESETS),
                        help="the site generator")
    parser.add_argument("--archive", metavar="PATH",
                        help="archive folder, relative to DIR (default: where the generator "
                             "reads posts: source/_posts, content/posts, or the Jekyll site)")
    parser.add_argument("--github-actions", action="store_true",
                        help=f"also write {WORKFLOW.as_posix()}")
    parser.add_argument("--systemd", action="store_true",
                        help=f"also write {SYSTEMD}/feedvault.service and feedvault.timer")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")
    parser.set_defaults(func=run, needs_config=False)


def template(name: str, **values: str) -> str:
    """A file of crawler/templates with its @@name@@ placeholders filled in."""
    text = resources.files("crawler").joinpath("templates", name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    assert "@@" not in text, f"{name}: a placeholder was left unfilled"
    return text


def files_for(site: Path, preset: str, archive: str | None, *, github_actions: bool,
              systemd: bool) -> dict[Path, str]:
    """What `init` writes: path (relative to site) → text."""
    generator = GENERATORS[preset]
    archive_path = archive or generator.archive
    note = generator.archive_note if archive is None else ""
    written = {Path(CONFIG): template(
        "feedvault.toml", generator=generator.name, preset=preset,
        archive=_toml_string(archive_path), archive_note=note,
        images=generator.images, images_note=generator.images_note)}
    if github_actions:
        state = (Path(archive_path) / HIDDEN).as_posix()
        written[WORKFLOW] = template("github-actions.yml", config=CONFIG, state=state)
    if systemd:
        site_dir = str(site.resolve())
        command = shutil.which("feedvault") or str(Path(sys.executable).parent / "feedvault")
        written[SYSTEMD / "feedvault.service"] = template(
            "feedvault.service", site=site_dir, config=str(site.resolve() / CONFIG),
            feedvault=command)
        written[SYSTEMD / "feedvault.timer"] = template("feedvault.timer")
    return written


def _toml_string(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


def run(args: argparse.Namespace, _config: object) -> int:
    site: Path = args.dir
    written = files_for(site, args.preset, args.archive, github_actions=args.github_actions,
                        systemd=args.systemd)
    existing = [p for p in written if (site / p).exists()]
    if existing and not args.force:
        for path in existing:
            print(f"feedvault: {site / path} exists; --force to overwrite it", file=sys.stderr)
        return EXIT_USAGE
    for path, text in written.items():
        target = site / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    print(f"next: edit the [[sources]] in {site / CONFIG}, then "
          f"`feedvault crawl --config {site / CONFIG}` and `feedvault status`")
    if args.systemd:
        print(f"systemd: cp {site / SYSTEMD}/feedvault.* ~/.config/systemd/user/ && "
              "systemctl --user enable --now feedvault.timer")
    return EXIT_OK
