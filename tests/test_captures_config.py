"""`[archive] capture`, `capture_rotate_mb` and `[[sources]] capture`: values, defaults, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import ConfigError
from crawler.config import parse_config

BASE = '[archive]\npath = "posts"\n{archive}\n[[sources]]\nname = "a"\nurl = "http://127.0.0.1/a.xml"\n{a}\n' \
       '[[sources]]\nname = "b"\nurl = "http://127.0.0.1/b.xml"\n{b}\n{rest}'


def _parse(tmp_path: Path, archive: str = "", a: str = "", b: str = "", rest: str = ""):  # type: ignore[no-untyped-def]
    path = tmp_path / "feedvault.toml"
    text = BASE.format(archive=archive, a=a, b=b, rest=rest)
    path.write_text(text)
    return parse_config(text, path)


def test_capture_is_off_unless_asked_and_a_source_overrides_the_archive(tmp_path: Path) -> None:
    config = _parse(tmp_path)
    assert [config.captures(s) for s in config.sources] == [False, False]
    assert config.capture_rotate_mb == 100
    config = _parse(tmp_path, archive='capture = "warc"\ncapture_rotate_mb = 5', b='capture = "off"')
    assert [config.captures(s) for s in config.sources] == [True, False]
    assert config.capture_rotate_mb == 5
    config = _parse(tmp_path, a='capture = "warc"')
    assert [config.captures(s) for s in config.sources] == [True, False]


@pytest.mark.parametrize(("fields", "names"), [
    ({"archive": "capture = true"}, ["archive.capture", "'warc'", ":3:"]),
    ({"b": 'capture = "WARC"'}, ["sources[1].capture", "'off'"]),
    ({"archive": "capture_rotate_mb = 0"}, ["archive.capture_rotate_mb", ">= 1"]),
    ({"archive": 'capture = "warc"', "rest": '[distributed]\nredis = "redis://127.0.0.1/0"'},
     ["archive.capture", "[distributed]"]),
    ({"a": 'capture = "warc"', "rest": '[distributed]\nredis = "redis://127.0.0.1/0"'},
     ["sources[0].capture", "[distributed]"]),
])
def test_bad_capture_settings_name_the_key(tmp_path: Path, fields: dict[str, str], names: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        _parse(tmp_path, **fields)
    for name in names:
        assert name in str(caught.value)
