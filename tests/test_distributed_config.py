"""`[distributed]` in feedvault.toml: validated like the rest; the commands say what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive import ConfigError
from crawler.config import DistributedConfig, parse_config
from tests.conftest import feedvault, write_config
from tests.distributed_helpers import distributed_config, free_port

BASE = '[archive]\npath = "posts"\n\n[distributed]\n'

ERRORS = {
    "missing redis": ('prefix = "x"\n', [":4:", "distributed.redis", "missing"]),
    "not a redis url": ('redis = "http://h:6379"\n', [":5:", "distributed.redis",
                                                      "redis://, rediss:// or unix://"]),
    "bad prefix": ('redis = "redis://h"\nprefix = "a b"\n', [":6:", "distributed.prefix"]),
    "bad timeout": ('redis = "redis://h"\nworker_timeout = 0\n',
                    [":6:", "distributed.worker_timeout", "> 0"]),
    "bad retry": ('redis = "redis://h"\nredis_retry = -1\n',
                  [":6:", "distributed.redis_retry", "> 0"]),
    "unknown key": ('redis = "redis://h"\nworkers = 3\n', [":6:", "distributed.workers",
                                                           "unknown key"]),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_invalid_distributed_table_names_line_and_key(case: str, tmp_path: Path) -> None:
    text, expected = ERRORS[case]
    with pytest.raises(ConfigError) as error:
        parse_config(BASE + text, tmp_path / "feedvault.toml")
    for part in expected:
        assert part in str(error.value)


def test_distributed_table_is_parsed_with_defaults(tmp_path: Path) -> None:
    config = parse_config(BASE + 'redis = "redis://cache.lan:6379/2"\n', tmp_path / "f.toml")
    assert config.distributed == DistributedConfig("redis://cache.lan:6379/2", "feedvault", 30.0)
    assert parse_config('[archive]\npath = "p"\n', tmp_path / "f.toml").distributed is None


def test_worker_and_writer_need_the_distributed_table(tmp_path: Path) -> None:
    config = write_config(tmp_path, [])
    for command in ("worker", "writer"):
        result = feedvault(command, "--config", config)
        assert result.returncode == 2
        assert f"`feedvault {command}` needs a [distributed] table" in result.stderr


def test_unreachable_redis_exits_2_naming_it(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nobody listens there
    config = write_config(tmp_path, [{"name": "a", "url": "https://example.org/f.xml"}],
                          extra=distributed_config(url))
    for command in ("crawl", "worker", "writer"):
        result = feedvault(command, "--config", config)
        assert result.returncode == 2, result.stderr
        assert f"{url}: cannot reach Redis" in result.stderr
        assert "Traceback" not in result.stderr
