"""`feedvault sources export` writes no secret written literally in feedvault.toml unless
--with-secrets: each left out is named on standard error, `${NAME}` references travel."""

from __future__ import annotations

import tomllib
from pathlib import Path

from crawler.config import parse_config
from tests.conftest import feedvault

SECRETS = """\
[archive]
path = "posts"

[[sources]]
name = "private"
url = "https://private.example/feed?token=feedtok3n&page=1"
categories = ["Work"]
content_selector = "article"
proxy = "http://alice:proxypw1@proxy.example:3128"
headers = { Authorization = "Bearer lit3ral", X-Api-Key = "${API_KEY}", Referer = "https://private.example/" }
cookies = { session = "c00kie", prefs = "dark$${mode}" }

[[sources]]
name = "referenced"
url = "https://ref.example/feed"
proxy = "http://bob:${PROXY_PW}@proxy.example:3128"
cookies = { session = "${SESSION}" }

[[sources]]
name = "basic"
url = "https://carol:urlpassw0rd@basic.example/feed"

[[sources]]
name = "keyed"
url = "https://keyed.example/feed"
proxy = "http://pr0xykey@proxy.example:3128"

[[sources]]
name = "plain"
url = "https://plain.example/atom.xml"
"""

ENV = {"API_KEY": "envkey", "PROXY_PW": "envpw", "SESSION": "envsession"}
LITERALS = ("lit3ral", "proxypw1", "c00kie", "dark$${mode}", "dark${mode}", "pr0xykey",
            "private.example/\"")


def _export(tmp_path: Path, *flags: str) -> tuple[str, str]:
    config = tmp_path / "feedvault.toml"
    config.write_text(SECRETS, encoding="utf-8")
    out = tmp_path / "out.opml"
    result = feedvault("sources", "export", "-o", out, "--config", config, *flags, env=ENV)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return out.read_text(encoding="utf-8"), result.stderr


def test_literal_headers_cookies_and_proxy_passwords_stay_out_each_named(
        tmp_path: Path) -> None:
    opml, stderr = _export(tmp_path)
    for secret in ("lit3ral", "proxypw1", "c00kie", "dark$", "pr0xykey"):
        assert secret not in opml, secret
    # the references travel as written; their values are never read into the file
    assert "${API_KEY}" in opml and "${PROXY_PW}" in opml and "${SESSION}" in opml
    assert not any(value in opml for value in ENV.values())
    # the proxy still travels, without its password (or a user that is its only credential)
    assert "http://alice@proxy.example:3128" in opml
    assert 'feedvault:proxy="&quot;http://proxy.example:3128&quot;"' in opml
    lines = stderr.splitlines()
    [private] = [line for line in lines if "'private': left out" in line]
    assert ("header Authorization, header Referer, cookie session, cookie prefs, "
            "the proxy's password") in private
    assert "--with-secrets" in private and "${NAME}" in private
    [keyed] = [line for line in lines if "'keyed': left out" in line]
    assert "the proxy's user name" in keyed
    assert not any("'referenced'" in line or "'plain'" in line for line in lines)
    # nothing printed holds a secret either
    assert not any(secret in stderr for secret in (*LITERALS, "feedtok3n", "urlpassw0rd"))


def test_a_url_holding_a_literal_secret_stays_with_one_warning(tmp_path: Path) -> None:
    opml, stderr = _export(tmp_path)
    # a feed reader needs the URL as it is
    assert 'xmlUrl="https://private.example/feed?token=feedtok3n&amp;page=1"' in opml
    assert 'xmlUrl="https://carol:urlpassw0rd@basic.example/feed"' in opml
    warnings = [line for line in stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2, stderr
    assert "source 'private'" in warnings[0] and "url (?token=)" in warnings[0]
    assert "source 'basic'" in warnings[1] and "url (user:password@)" in warnings[1]
    assert "feedtok3n" not in stderr and "urlpassw0rd" not in stderr


def test_with_secrets_exports_everything_as_written(tmp_path: Path) -> None:
    opml, stderr = _export(tmp_path, "--with-secrets")
    for secret in ("Bearer lit3ral", "proxypw1", "c00kie", "pr0xykey"):
        assert secret in opml, secret
    assert "left out" not in stderr
    assert stderr.count("warning") == 2  # the URLs' secrets are still named


def test_export_then_import_gives_the_sources_back_minus_what_was_left_out(
        tmp_path: Path) -> None:
    _export(tmp_path)
    exported = tmp_path / "out.opml"
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    copy = fresh / "feedvault.toml"
    copy.write_text('[archive]\npath = "posts"\n', encoding="utf-8")
    result = feedvault("sources", "import", exported, "--config", copy, "--trust-settings",
                       env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "imported 5 sources" in result.stdout
    back = {s["name"]: s for s in tomllib.loads(copy.read_text(encoding="utf-8"))["sources"]}
    assert back["private"] == {
        "name": "private", "url": "https://private.example/feed?token=feedtok3n&page=1",
        "categories": ["Work"], "content_selector": "article",
        "proxy": "http://alice@proxy.example:3128", "headers": {"X-Api-Key": "${API_KEY}"}}
    assert back["referenced"] == {
        "name": "referenced", "url": "https://ref.example/feed",
        "proxy": "http://bob:${PROXY_PW}@proxy.example:3128",
        "cookies": {"session": "${SESSION}"}}
    assert back["keyed"]["proxy"] == "http://proxy.example:3128"
    sources = {s.name: s for s in parse_config(copy.read_text(encoding="utf-8"), copy, ENV).sources}
    assert sources["referenced"].http.proxy == "http://bob:envpw@proxy.example:3128"
    assert sources["plain"].url == "https://plain.example/atom.xml"
