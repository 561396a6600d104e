"""A hostile feed cannot make feedvault fetch internal addresses or local files.

The attacker's server is the feed's own host (127.0.0.1, trusted because the owner wrote its
URL). "Internal" servers stand for hosts on the owner's network: one on 127.0.0.2 (reached by
IP, decimal IP and redirect) and one on 127.0.0.1 at another port, reached through the name
`localhost`, which is not a host the owner wrote. Their request logs must stay empty.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import frontmatter
import pytest

from tests.conftest import answer, archive_files, feedvault, rss_feed, toml_value, write_config

SECRET = "TOP-SECRET-7f3a9c"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
LEGIT = ("The legitimate article on the feed's own host, with its whole text. " * 12).strip()


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        server: Server = self.server.owner  # type: ignore[attr-defined]
        server.log.append(self.path)
        status, headers, body = server.routes.get(self.path.split("?")[0], server.default)
        answer(self, status, headers.items(), body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class Server:
    """An HTTP server on a loopback address: canned answers by path, every request logged."""

    def __init__(self, address: str, default: tuple[int, dict[str, str], bytes]) -> None:
        self.httpd = ThreadingHTTPServer((address, 0), _Handler)
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.port = self.httpd.server_address[1]
        self.base = f"http://{address}:{self.port}"
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.default = default
        self.log: list[str] = []
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def page(self, path: str, html: str, ctype: str = "text/html; charset=utf-8") -> str:
        self.routes[path] = (200, {"Content-Type": ctype}, html.encode())
        return self.base + path

    def redirect(self, path: str, target: str, status: int = 301) -> str:
        self.routes[path] = (status, {"Location": target}, b"")
        return self.base + path

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _secret_page() -> tuple[int, dict[str, str], bytes]:
    html = (f"<html><body><article><h1>Internal</h1><p>{SECRET} " + "internal text " * 60
            + "</p></article></body></html>")
    return 200, {"Content-Type": "text/html"}, html.encode()


@pytest.fixture
def net(tmp_path: Path) -> Iterator[dict[str, Server]]:
    servers = {
        "attacker": Server("127.0.0.1", (404, {}, b"")),
        "internal": Server("127.0.0.2", _secret_page()),   # by IP, decimal IP, redirect
        "named": Server("127.0.0.1", _secret_page()),      # by the name localhost
    }
    yield servers
    for server in servers.values():
        server.stop()


def _loopback_name() -> str | None:
    """This machine's host name, when it resolves to loopback only (not a name the clean
    pipeline knows as local): a second name vector for image downloads."""
    name = socket.gethostname().lower()
    try:
        addresses = {i[4][0] for i in socket.getaddrinfo(name, 80, 0, socket.SOCK_STREAM)}
    except OSError:
        return None
    local = name in ("localhost",) or name.endswith((".local", ".localhost", ".internal", ".lan"))
    ok = addresses and all(a.startswith("127.") or a == "::1" for a in addresses)
    return name if ok and not local else None


def _article(body: str, next_href: str | None = None) -> str:
    nxt = f'<a class="next" href="{next_href}">next page</a>' if next_href else ""
    return (f"<html><head><title>Legit</title></head><body><article><h1>Legit</h1>"
            f"<p>{body}</p>{nxt}</article></body></html>")


def _hostile_site(net: dict[str, Server], secret_file: Path) -> dict[str, str]:
    """The attacker's feed and pages; returns the URL of each vector."""
    attacker, internal, named = net["attacker"], net["internal"], net["named"]
    urls = {
        "legit": attacker.page("/posts/legit", _article(LEGIT, f"{internal.base}/page2")),
        "legit_file": attacker.page("/posts/legit-file",
                                    _article(LEGIT + " Second.", secret_file.as_uri())),
        "direct": f"{internal.base}/direct",
        "decimal": f"http://2130706434:{internal.port}/decimal",
        "octal": f"http://0177.0.0.2:{internal.port}/octal",
        "byname": f"http://localhost:{named.port}/byname",
        "redirect": attacker.redirect("/go", f"{internal.base}/redirected"),
        "redirect_name": attacker.redirect("/go-name", f"http://localhost:{named.port}/r", 302),
        "redirect_file": attacker.redirect("/go-file", secret_file.as_uri()),
    }
    items = []
    for n, (name, url) in enumerate(urls.items()):
        items.append({"title": f"Item {name}", "link": url, "guid": f"urn:{name}",
                      "pubDate": f"Mon, {n + 1:02d} Jan 2024 10:00:00 +0000",
                      "description": f"<p>Teaser of {name}…</p>"})
    attacker.page("/feed.xml", rss_feed(items), "application/rss+xml")
    attacker.redirect("/moved.xml", f"{internal.base}/feed.xml")
    return urls


def _config(tmp_path: Path, net: dict[str, Server], *, extra: str = "",
            backfill: dict[str, object] | None = None) -> Path:
    base = net["attacker"].base
    sources = [{"name": "moved", "url": f"{base}/moved.xml"},
               {"name": "hostile", "url": f"{base}/feed.xml", "full_text": True,
                "next_page": "a.next"}]  # last: [sources.backfill] belongs to it
    path = write_config(tmp_path, sources, extra="[scrapy]\nAUTOTHROTTLE_ENABLED = false\n"
                        + extra)
    if backfill:
        table = "\n".join(f"{k} = {toml_value(v)}" for k, v in backfill.items())
        path.write_text(path.read_text() + f"\n[sources.backfill]\n{table}\n")
    return path


def _secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(f"<html><body><p>{SECRET} from a local file</p></body></html>")
    return path


def _assert_nothing_leaked(net: dict[str, Server], tmp_path: Path, output: str) -> None:
    assert net["internal"].log == []
    assert net["named"].log == []
    assert SECRET not in output
    assert "Traceback" not in output
    for path in (tmp_path / "posts").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def _posts(tmp_path: Path) -> dict[str, frontmatter.Post]:
    return {frontmatter.load(p)["title"]: frontmatter.load(p)
            for p in archive_files(tmp_path / "posts")}


def test_crawl_refuses_internal_links_redirects_and_file_next_pages(
        net: dict[str, Server], tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    urls = _hostile_site(net, secret)
    internal = net["internal"]
    result = feedvault("crawl", "--config", _config(tmp_path, net))
    output = result.stdout + result.stderr
    _assert_nothing_leaked(net, tmp_path, output)

    posts = _posts(tmp_path)
    legit = posts["Legit"].content if "Legit" in posts else posts["Item legit"].content
    assert "The legitimate article on the feed's own host" in legit  # its full text
    for name in ("direct", "decimal", "octal", "byname", "redirect", "redirect_name",
                 "redirect_file"):
        assert f"Teaser of {name}" in posts[f"Item {name}"].content  # kept the feed's text
    # one report line each, naming the source, the URL and the rule
    assert (f"hostile: {urls['direct']}: page not fetched (refused: 127.0.0.2 is a loopback "
            "address; allow it with [crawl] allow_networks or allow_hosts); kept the feed's "
            "text") in result.stdout
    assert (f"{urls['decimal']}: page not fetched (refused: 2130706434 (that is 127.0.0.2) is "
            "a loopback address") in result.stdout
    assert (f"{urls['byname']}: page not fetched (refused: the host localhost resolves to "
            "127.0.0.1, a loopback address; allow it with [crawl] allow_hosts)") in result.stdout
    assert f"{internal.base}/redirected: page not fetched (refused: 127.0.0.2 is a loopback" \
        in result.stdout
    assert f"{internal.base}/page2: page not fetched (refused: 127.0.0.2" in result.stdout
    assert f"{secret.as_uri()}: page not fetched (refused: a file: URL" \
        in result.stdout
    assert result.stdout.count(f"{urls['direct']}: page not fetched") == 1  # never retried
    # a feed redirected to an internal host: the source failed, with the reason
    assert f"moved: {internal.base}/feed.xml: feed not fetched (refused: 127.0.0.2" \
        in result.stdout


def test_allow_networks_and_allow_hosts_reach_an_intranet(net: dict[str, Server],
                                                          tmp_path: Path) -> None:
    urls = _hostile_site(net, _secret_file(tmp_path))
    extra = '[crawl]\nallow_networks = ["127.0.0.2/32"]\nallow_hosts = ["localhost"]\n'
    result = feedvault("crawl", "--config", _config(tmp_path, net, extra=extra))
    assert "Traceback" not in result.stdout + result.stderr
    assert {"/direct", "/decimal", "/octal", "/redirected", "/page2"} <= set(net["internal"].log)
    assert {"/byname", "/r"} <= set(net["named"].log)
    assert f"{urls['direct']}: page not fetched" not in result.stdout
    assert "refused: a file: URL" in result.stdout  # files stay refused


def test_download_mode_images_on_internal_hosts_are_never_requested(
        net: dict[str, Server], tmp_path: Path) -> None:
    attacker, internal, named = net["attacker"], net["internal"], net["named"]
    attacker.routes["/img/ok.png"] = (200, {"Content-Type": "image/png"}, PNG)
    attacker.redirect("/img/r.png", f"{internal.base}/c.png", 302)
    attacker.redirect("/img/rn.png", f"http://localhost:{named.port}/d.png", 302)
    images = [f"{attacker.base}/img/ok.png", f"{internal.base}/a.png",
              f"http://2130706434:{internal.port}/a2.png", f"http://localhost:{named.port}/b.png",
              f"{attacker.base}/img/r.png", f"{attacker.base}/img/rn.png"]
    name = _loopback_name()
    if name:  # a name the cleaner does not know as local: only the egress policy stops it
        images.append(f"http://{name}:{named.port}/e.png")
    body = "<p>pictures</p>" + "".join(f'<img src="{u}" alt="i{n}">' for n, u in enumerate(images))
    attacker.page("/feed.xml", rss_feed([{"title": "Pictures", "link": f"{attacker.base}/p",
                                          "guid": "p", "description": body}]),
                  "application/rss+xml")
    config = write_config(tmp_path, [{"name": "pics", "url": f"{attacker.base}/feed.xml"}],
                          extra='[images]\nmode = "download"\n')
    result = feedvault("crawl", "--config", config)
    _assert_nothing_leaked(net, tmp_path, result.stdout + result.stderr)
    [post] = archive_files(tmp_path / "posts")
    content = frontmatter.load(post).content
    assert 'src="/images/' in content  # the legitimate image was downloaded
    assert [p.read_bytes() for p in (tmp_path / "posts" / "images").iterdir()] == [PNG]
    assert (f"image {attacker.base}/img/r.png not downloaded (refused: 127.0.0.2 is a "
            "loopback address") in result.stdout
    assert (f"image {attacker.base}/img/rn.png not downloaded (refused: the host localhost "
            "resolves to 127.0.0.1") in result.stdout
    if name:
        assert f"image http://{name}:{named.port}/e.png not downloaded (refused: the host " \
            f"{name} resolves to 127." in result.stdout


def test_images_on_allowed_intranet_hosts_are_kept_and_downloaded(
        net: dict[str, Server], tmp_path: Path) -> None:
    """allow_networks / allow_hosts reach the cleaner too: an intranet image is not dropped
    as a private-network URL before the download could happen."""
    attacker, internal, named = net["attacker"], net["internal"], net["named"]
    internal.routes["/a.png"] = (200, {"Content-Type": "image/png"}, PNG)
    named.routes["/b.png"] = (200, {"Content-Type": "image/png"}, PNG)
    body = (f'<p>intranet pictures</p><img src="{internal.base}/a.png" alt="a">'
            f'<img src="http://localhost:{named.port}/b.png" alt="b">')
    attacker.page("/feed.xml", rss_feed([{"title": "Intranet", "link": f"{attacker.base}/p",
                                          "guid": "p", "description": body}]),
                  "application/rss+xml")
    config = write_config(tmp_path, [{"name": "pics", "url": f"{attacker.base}/feed.xml"}],
                          extra='[crawl]\nallow_networks = ["127.0.0.2"]\n'
                                'allow_hosts = ["localhost"]\n[images]\nmode = "download"\n')
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "/a.png" in internal.log and "/b.png" in named.log
    content = frontmatter.load(archive_files(tmp_path / "posts")[0]).content
    assert content.count('src="/images/') == 2, content


def test_backfill_refuses_internal_and_file_sitemap_children(net: dict[str, Server],
                                                             tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    _hostile_site(net, secret)
    attacker, internal, named = net["attacker"], net["internal"], net["named"]
    children = [f"{attacker.base}/sitemap-1.xml", f"{internal.base}/sitemap.xml",
                f"http://localhost:{named.port}/sitemap.xml", secret.as_uri()]
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
             'sitemap/0.9">' + "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
             + "</sitemapindex>")
    attacker.page("/sitemap.xml", index, "application/xml")
    entries = [f"{attacker.base}/posts/legit", f"{internal.base}/post",
               f"http://2130706434:{internal.port}/post2", secret.as_uri()]
    attacker.page("/sitemap-1.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps'
                  '.org/schemas/sitemap/0.9">' + "".join(
                      f"<url><loc>{e}</loc><lastmod>2024-01-05</lastmod></url>" for e in entries)
                  + "</urlset>", "application/xml")
    config = _config(tmp_path, net, backfill={"sitemap": f"{attacker.base}/sitemap.xml"})
    result = feedvault("backfill", "hostile", "--config", config, "--since", "2023-01-01",
                       "--until", "2025-01-01")
    output = result.stdout + result.stderr
    _assert_nothing_leaked(net, tmp_path, output)
    posts = _posts(tmp_path)
    assert any("The legitimate article on the feed's own host" in p.content
               for p in posts.values())
    assert f"{internal.base}/sitemap.xml: sitemap page not fetched (refused: 127.0.0.2" in output
    assert (f"http://localhost:{named.port}/sitemap.xml: sitemap page not fetched (refused: "
            "the host localhost resolves to 127.0.0.1") in output
    assert f"{secret.as_uri()}: sitemap page not fetched (refused: a file: URL" in output
    assert f"{internal.base}/post: article not fetched (refused: 127.0.0.2" in output


def test_extract_trusts_the_typed_url_not_its_redirects_or_next_pages(
        net: dict[str, Server], tmp_path: Path) -> None:
    secret = _secret_file(tmp_path)
    urls = _hostile_site(net, secret)
    config = _config(tmp_path, net)
    legit = feedvault("extract", "--config", config, "--source", "hostile", urls["legit"],
                      urls["legit_file"])
    redirected = feedvault("extract", urls["redirect"], urls["redirect_name"],
                           urls["redirect_file"], "--jsonl")
    output = legit.stdout + legit.stderr + redirected.stdout + redirected.stderr
    _assert_nothing_leaked(net, tmp_path, output)
    assert "The legitimate article on the feed's own host" in legit.stdout
    assert (f"warning: {net['internal'].base}/page2: refused: 127.0.0.2 is a loopback address"
            in legit.stderr)
    assert f"warning: {secret.as_uri()}: refused: a file: URL" in legit.stderr
    assert legit.returncode == 0
    assert redirected.returncode == 1
    assert (f"{net['internal'].base}/redirected: refused: 127.0.0.2 is a loopback address"
            in redirected.stdout)
    assert "refused: the host localhost resolves to 127.0.0.1" in redirected.stdout
    assert f"{secret.as_uri()}: refused: a file: URL" in redirected.stdout


def test_extract_fetches_a_typed_internal_url(net: dict[str, Server], tmp_path: Path) -> None:
    result = feedvault("extract", f"{net['internal'].base}/typed")
    assert result.returncode == 0, result.stdout + result.stderr
    # the user asked for it (robots.txt first, as a crawl reads it)
    assert net["internal"].log == ["/robots.txt", "/typed"]


def test_sources_check_refuses_internal_links_and_redirected_feeds(
        net: dict[str, Server], tmp_path: Path) -> None:
    urls = _hostile_site(net, _secret_file(tmp_path))
    attacker = net["attacker"]
    # the newest item links to the internal host
    items = [{"title": "Newest", "link": urls["direct"], "guid": "n",
              "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000", "description": "<p>t…</p>"}]
    attacker.page("/feed.xml", rss_feed(items), "application/rss+xml")
    result = feedvault("sources", "check", "--config", _config(tmp_path, net))
    _assert_nothing_leaked(net, tmp_path, result.stdout + result.stderr)
    assert (f"WARNING: page: {urls['direct']}: refused: 127.0.0.2 is a loopback address"
            in result.stdout)
    assert (f"WARNING: feed: {attacker.base}/moved.xml: {net['internal'].base}/feed.xml: "
            "refused: 127.0.0.2 is a loopback address") in result.stdout
    assert result.returncode == 1
