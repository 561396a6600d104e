"""Images: lazy loading resolved, placeholders dropped, proxy by scope, cover, downloads."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import frontmatter
import pytest
from lxml import html as lxml_html

from crawler.config import parse_config
from crawler.items import ArticleItem
from pipelines._body import BodyCleaner
from pipelines._images import Proxy
from pipelines.clean import CleanPipeline
from tests.conftest import archive_files, feedvault, rss_feed, write_config

ARTICLE = "http://news.example.com/2024/story.html"
PROXY = "https://proxy.example/?{url}"
GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"


def images(html: str, scope: object = "all", **kwargs: str) -> list[dict[str, str]]:
    body = BodyCleaner(proxy=Proxy(PROXY, scope)).clean(html, ARTICLE, **kwargs)  # type: ignore[arg-type]
    if not body.html:
        return []
    root = lxml_html.fragment_fromstring(body.html, create_parent="div")
    return [dict(i.attrib) for i in root.iter("img")]


@pytest.mark.parametrize("attribute", ["data-src", "data-original", "data-actualsrc",
                                       "data-lazy-src"])
def test_lazy_sources_are_resolved(attribute: str) -> None:
    [img] = images(f'<img src="{GIF}" {attribute}="/photos/a.jpg" class="lazy" alt="A">')
    assert img == {"src": "https://proxy.example/?http://news.example.com/photos/a.jpg",
                   "alt": "A", "referrerpolicy": "no-referrer"}


def test_lazy_srcset_gives_the_best_candidate() -> None:
    [img] = images('<img src="/img/loading.gif" data-srcset="s.jpg 320w, l.jpg 1200w, m.jpg 800w">',
                   scope="http")
    assert img["src"] == "https://proxy.example/?http://news.example.com/2024/l.jpg"
    assert img["srcset"].startswith(
        "https://proxy.example/?http://news.example.com/2024/s.jpg 320w")


@pytest.mark.parametrize("placeholder", [
    f'<img src="{GIF}">', '<img src="/static/spinner.gif">', '<img src="blank.gif" alt="">',
    '<img src="https://x.example/images/loading.svg">', '<img src="/t.png" width="1" height="1">',
    '<img src="data:image/png;base64,iVBORw0KGgo=">', '<img>', '<img src="javascript:alert(1)">',
])
def test_placeholders_are_dropped(placeholder: str) -> None:
    assert images(f"<p>text{placeholder}</p>") == []


def test_inline_image_data_is_kept_but_never_proxied() -> None:
    data = "data:image/jpeg;base64," + "A" * 400
    [img] = images(f'<img src="{data}" alt="inline">')
    assert img["src"] == data


@pytest.mark.parametrize("scope, proxied", [
    ("http", ["http://a.sinaimg.cn/1.jpg", "http://image.woshipm.com/3.jpg"]),
    ("all", ["http://a.sinaimg.cn/1.jpg", "https://wx2.sinaimg.cn/2.jpg",
             "http://image.woshipm.com/3.jpg", "https://other.example/4.jpg"]),
    (("*.sinaimg.cn",), ["http://a.sinaimg.cn/1.jpg", "https://wx2.sinaimg.cn/2.jpg"]),
    (("image.woshipm.com", "other.example"), ["http://image.woshipm.com/3.jpg",
                                               "https://other.example/4.jpg"]),
])
def test_proxy_scope(scope: object, proxied: list[str]) -> None:
    urls = ["http://a.sinaimg.cn/1.jpg", "https://wx2.sinaimg.cn/2.jpg",
            "http://image.woshipm.com/3.jpg", "https://other.example/4.jpg"]
    found = images("".join(f'<img src="{u}">' for u in urls), scope=scope)
    assert [i["src"] for i in found] == [PROXY.format(url=u) if u in proxied else u for u in urls]
    assert all(i["referrerpolicy"] == "no-referrer" for i in found)


@pytest.mark.parametrize("template, shown", [
    ("https://proxy.example/?{url}", "https://proxy.example/?http://a.example/x y.jpg?w=1&h=2"),
    ("https://proxy.example/i/{url_quoted}",
     "https://proxy.example/i/http%3A%2F%2Fa.example%2Fx%2520y.jpg%3Fw%3D1%26h%3D2"),
])
def test_proxy_template_gets_the_url_raw_or_percent_encoded(template: str, shown: str) -> None:
    body = BodyCleaner(proxy=Proxy(template, "all")).clean(
        '<img src="http://a.example/x y.jpg?w=1&amp;h=2">', ARTICLE)
    [img] = lxml_html.fragment_fromstring(body.html, create_parent="div").iter("img")
    assert img.get("src") == shown.replace(" ", "%20")


def test_picture_sources_and_video_posters_are_proxied() -> None:
    html = ('<picture><source srcset="/a.webp 1x, /b.webp 2x" type="image/webp">'
            '<img src="/a.jpg"></picture><video poster="/p.jpg" src="/v.mp4" controls></video>')
    out = BodyCleaner(proxy=Proxy(PROXY, "all")).clean(html, ARTICLE).html
    assert ('<source srcset="https://proxy.example/?http://news.example.com/a.webp 1x, '
            'https://proxy.example/?http://news.example.com/b.webp 2x" type="image/webp">') in out
    assert 'poster="https://proxy.example/?http://news.example.com/p.jpg"' in out
    assert 'src="http://news.example.com/v.mp4"' in out  # video itself is not an image


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.0.9",
                                  "[::1]", "169.254.169.254", "2130706433", "printer.local"])
def test_private_network_images_are_refused(host: str) -> None:
    body = BodyCleaner(proxy=Proxy(PROXY, "all")).clean(
        f'<p>t<img src="http://{host}/x.png"></p>', ARTICLE)
    assert "<img" not in body.html
    assert body.refused == [f"http://{host}/x.png"]


def test_images_on_the_feeds_own_private_host_are_kept_unproxied() -> None:
    body = BodyCleaner(proxy=Proxy(PROXY, "all")).clean(
        '<img src="http://127.0.0.1:8000/x.png">', ARTICLE, trusted_host="127.0.0.1")
    assert 'src="http://127.0.0.1:8000/x.png"' in body.html and not body.refused


@pytest.mark.parametrize("html, cover", [
    ('<img src="/icon.png" width="32" height="32"><img src="/big.jpg" width="800">', "big.jpg"),
    ('<img src="/e.png" class="wp-smiley"><img src="/main.jpg">', "main.jpg"),
    (f'<img src="{GIF}"><img data-src="/lazy.jpg">', "lazy.jpg"),
    ('<p>no images</p>', None),
])
def test_cover_is_the_first_content_image(html: str, cover: str | None) -> None:
    found = BodyCleaner(proxy=Proxy(PROXY, "all")).clean(html, ARTICLE).cover
    assert found == (PROXY.format(url=f"http://news.example.com/{cover}") if cover else None)


def _pipeline(tmp_path: Path, extra: str = "") -> CleanPipeline:
    path = tmp_path / "feedvault.toml"
    path.write_text(f'[archive]\npath = "p"\n{extra}\n[images]\nproxy = "{PROXY}"\n'
                    '[[sources]]\nname = "s"\nurl = "https://feeds.example/rss"\n',
                    encoding="utf-8")
    return CleanPipeline.from_config(parse_config(path.read_text(encoding="utf-8"), path))


def test_cover_falls_back_to_media_then_default(tmp_path: Path) -> None:
    item = ArticleItem(source="s", feed_url="https://feeds.example/rss", title="t",
                       content="<p>text</p>", link=ARTICLE,
                       media_images=["http://cdn.example/thumb.jpg"])
    assert _pipeline(tmp_path).process_item(item).cover == (
        "https://proxy.example/?http://cdn.example/thumb.jpg")
    bare = ArticleItem(source="s", feed_url="https://feeds.example/rss", title="t",
                       content="<p>text</p>", link=ARTICLE)
    default = _pipeline(tmp_path, 'default_cover = "/img/default.jpg"')
    assert default.process_item(bare).cover == "/img/default.jpg"


# [images] mode = "download", end to end.
class _Handler(SimpleHTTPRequestHandler):
    """Serves files; /protected/ answers 403 unless the Referer is weibo's; counts hits."""

    def do_GET(self) -> None:
        self.server.hits[self.path] += 1  # type: ignore[attr-defined]
        if self.path.startswith("/protected/") and self.headers.get("Referer") != "https://weibo.com/":
            self.send_error(403)
            return
        if self.path == "/old/a.png":
            self.send_response(301)
            self.send_header("Location", "/img/a.png")
            self.end_headers()
            return
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def image_site(tmp_path: Path) -> Iterator[tuple[str, Path, Counter[str]]]:
    root = tmp_path / "site"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(root)))
    server.hits = Counter()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root, server.hits  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_download_mode_saves_each_image_once_with_per_host_headers(
        image_site: tuple[str, Path, Counter[str]], tmp_path: Path) -> None:
    base, root, hits = image_site
    (root / "img").mkdir()
    (root / "protected").mkdir()
    (root / "img" / "a.png").write_bytes(PNG)
    (root / "protected" / "b.png").write_bytes(PNG + b"b")
    items = [
        {"title": "One", "link": f"{base}/posts/1", "guid": "1",
         "description": '<p>one<img src="/img/a.png" alt="a"><img src="/protected/b.png"></p>'},
        {"title": "Two", "link": f"{base}/posts/2", "guid": "2",
         "description": '<p>two<img src="/img/a.png"><img src="/missing.jpg">'
                        '<img src="/old/a.png" alt="moved"></p>'},
    ]
    (root / "feed.xml").write_text(rss_feed(items), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "t", "url": f"{base}/feed.xml"}], extra=(
        '[images]\nmode = "download"\nproxy = "https://proxy.example/?{url}"\n'
        '[images.headers."127.0.0.1"]\nReferer = "https://weibo.com/"\n'))
    first = feedvault("crawl", "--config", config)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"image {base}/missing.jpg not downloaded (HTTP 404)" in first.stdout

    saved = sorted((tmp_path / "posts" / "images").iterdir())
    assert sorted(p.read_bytes() for p in saved) == [PNG, PNG + b"b"]
    names = {p.read_bytes(): p.name for p in saved}
    posts = {frontmatter.load(p)["title"]: frontmatter.load(p) for p in
             archive_files(tmp_path / "posts")}
    assert f'src="/images/{names[PNG]}"' in posts["One"].content
    assert f'src="/images/{names[PNG + b"b"]}"' in posts["One"].content
    assert posts["One"]["thumbnail"] == f"/images/{names[PNG]}"
    assert f'src="/images/{names[PNG]}"' in posts["Two"].content
    assert f'src="{base}/missing.jpg"' in posts["Two"].content  # the remote URL stays
    # a redirect is followed; the same bytes under another URL share one file
    assert f'<img src="/images/{names[PNG]}" alt="moved"' in posts["Two"].content
    # each URL fetched once: /img/a.png directly and once more as /old/a.png's target
    assert (hits["/img/a.png"], hits["/old/a.png"], hits["/protected/b.png"]) == (2, 1, 1)

    second = feedvault("crawl", "--config", config)
    assert second.returncode == 0, second.stdout + second.stderr
    # nothing fetched again on the next run
    assert (hits["/img/a.png"], hits["/old/a.png"], hits["/protected/b.png"]) == (2, 1, 1)
    row = second.stdout.splitlines()[1].split()
    assert row[1:3] == ["0", "0"]  # no article new or rewritten (the feed answers 304 now)


def test_download_mode_without_the_header_reports_the_403(
        image_site: tuple[str, Path, Counter[str]], tmp_path: Path) -> None:
    base, root, _ = image_site
    (root / "protected").mkdir()
    (root / "protected" / "b.png").write_bytes(PNG)
    items = [{"title": "One", "link": f"{base}/posts/1", "guid": "1",
              "description": '<p>one<img src="/protected/b.png"></p>'}]
    (root / "feed.xml").write_text(rss_feed(items), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "t", "url": f"{base}/feed.xml"}],
                          extra='[images]\nmode = "download"\n')
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"image {base}/protected/b.png not downloaded (HTTP 403)" in result.stdout
    [post] = archive_files(tmp_path / "posts")
    assert f'src="{base}/protected/b.png"' in frontmatter.load(post).content


# Only genuine raster images are saved.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
GIF_BYTES = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c0000000001"
                          "0001000002024401003b")
WEBP = bytes.fromhex("524946461a000000574542505650384c0d0000002f0000001007101111888"
                     "8fe0700")
AVIF = (28).to_bytes(4, "big") + b"ftypavif" + bytes(4) + b"avifmif1miaf" + bytes(8)
SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
       b'onload="alert(document.domain)"><script>alert(1)</script></svg>')
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
BMP = b"BM" + (70).to_bytes(4, "little") + bytes(64)
ICO = b"\x00\x00\x01\x00\x01\x00" + bytes(16)


def test_download_mode_saves_only_images_whose_bytes_are_raster_images(
        image_site: tuple[str, Path, Counter[str]], tmp_path: Path) -> None:
    base, root, _ = image_site
    (root / "img").mkdir()
    genuine = {"real.png": PNG, "photo.jpg": JPEG, "anim.gif": GIF_BYTES, "pic.webp": WEBP,
               "pic.avif": AVIF, "mislabeled.jpg": PNG + b"x"}  # a PNG served as image/jpeg
    hostile = {"evil.png": HTML, "vector.png": SVG, "logo.svg": SVG, "old.bmp": BMP,
               "favicon.ico": ICO}
    for name, data in {**genuine, **hostile}.items():
        (root / "img" / name).write_bytes(data)
    body = "".join(f'<p>{n}<img src="/img/{n}" alt="{n}"></p>' for n in [*genuine, *hostile])
    items = [{"title": "Images", "link": f"{base}/posts/1", "guid": "1", "description": body}]
    (root / "feed.xml").write_text(rss_feed(items), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "t", "url": f"{base}/feed.xml"}],
                          extra='[images]\nmode = "download"\n')
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr

    saved = {p.name: p.read_bytes() for p in (tmp_path / "posts" / "images").iterdir()}
    # exactly the genuine images, each named by what its bytes are (not by URL or header)
    assert sorted(saved.values()) == sorted(genuine.values())
    extensions = {PNG: ".png", PNG + b"x": ".png", JPEG: ".jpg", GIF_BYTES: ".gif",
                  WEBP: ".webp", AVIF: ".avif"}
    assert all(name.endswith(extensions[data]) for name, data in saved.items())

    [post] = archive_files(tmp_path / "posts")
    content = frontmatter.load(post).content
    for name in hostile:  # each keeps its remote URL, with one line saying why
        assert f'src="{base}/img/{name}"' in content
        assert result.stdout.count(f"image {base}/img/{name} not saved: ") == 1
    for name in genuine:
        assert f'src="{base}/img/{name}"' not in content
    assert (f"image {base}/img/logo.svg not saved: image/svg+xml is not a raster image "
            "(SVG can carry scripts); the article keeps its remote URL") in result.stdout
    assert (f"image {base}/img/vector.png not saved: its bytes are an SVG image (served as "
            "image/png), not a raster image") in result.stdout
    assert (f"image {base}/img/evil.png not saved: served as image/png, but its bytes are "
            "not a PNG, JPEG, GIF, WebP or AVIF image") in result.stdout


def test_an_indexed_file_that_is_no_raster_is_fetched_again_and_refused(
        image_site: tuple[str, Path, Counter[str]], tmp_path: Path) -> None:
    """An archive from a version that saved SVGs: the old file is no longer used."""
    base, root, hits = image_site
    (root / "img").mkdir()
    (root / "img" / "logo.svg").write_bytes(SVG)
    items = [{"title": "One", "link": f"{base}/posts/1", "guid": "1",
              "description": '<p>one<img src="/img/logo.svg"></p>'}]
    (root / "feed.xml").write_text(rss_feed(items), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "t", "url": f"{base}/feed.xml"}],
                          extra='[images]\nmode = "download"\n')
    folder = tmp_path / "posts" / "images"
    folder.mkdir(parents=True)
    (folder / "0123.svg").write_bytes(SVG)
    from pipelines._image_index import ImageIndex
    index = ImageIndex(tmp_path / "posts" / ".feedvault" / "images.sqlite")
    index.put(f"{base}/img/logo.svg", "0123.svg")
    index.close()
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert hits["/img/logo.svg"] == 1
    [post] = archive_files(tmp_path / "posts")
    assert f'src="{base}/img/logo.svg"' in frontmatter.load(post).content
    assert "/images/0123.svg" not in post.read_text(encoding="utf-8")


def test_an_images_folder_that_is_a_link_is_refused_and_nothing_is_written_there(
        image_site: tuple[str, Path, Counter[str]], tmp_path: Path) -> None:
    base, root, _ = image_site
    (root / "img").mkdir()
    (root / "img" / "a.png").write_bytes(PNG)
    items = [{"title": "One", "link": f"{base}/posts/1", "guid": "1",
              "description": '<p>one<img src="/img/a.png"></p>'}]
    (root / "feed.xml").write_text(rss_feed(items), encoding="utf-8")
    config = write_config(tmp_path, [{"name": "t", "url": f"{base}/feed.xml"}],
                          extra='[images]\nmode = "download"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "posts").mkdir()
    (tmp_path / "posts" / "images").symlink_to(elsewhere, target_is_directory=True)
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(elsewhere.iterdir()) == []
    assert (f"images not downloaded: {tmp_path / 'posts' / 'images'}: is a symbolic link (to "
            f"{elsewhere})") in result.stdout
    [post] = archive_files(tmp_path / "posts")
    assert f'src="{base}/img/a.png"' in frontmatter.load(post).content


def test_the_image_store_never_writes_through_a_link(tmp_path: Path) -> None:
    from io import BytesIO

    from archive import ArchiveLinkError
    from pipelines._image_store import ImageStore

    outside = tmp_path / "outside.png"
    outside.write_bytes(b"mine")
    folder = tmp_path / "archive" / "images"
    folder.mkdir(parents=True)
    (folder / "abc.png").symlink_to(outside)
    store = ImageStore(folder, tmp_path / "archive")
    assert store.open() is None
    assert not store.holds("abc.png")  # a link is never taken as a saved image
    with pytest.raises(ArchiveLinkError, match=r"abc\.png: is a symbolic link"):
        store.persist_file("abc.png", BytesIO(PNG), info=None)
    assert outside.read_bytes() == b"mine"
    store.persist_file("def.png", BytesIO(PNG), info=None)
    assert store.holds("def.png") and (folder / "def.png").read_bytes() == PNG


@pytest.mark.parametrize("data, extension", [
    (PNG, ".png"), (JPEG, ".jpg"), (GIF_BYTES, ".gif"), (WEBP, ".webp"), (AVIF, ".avif"),
    (SVG, None), (HTML, None), (BMP, None), (ICO, None), (b"", None), (b"RIFF\0\0\0\0WAVE", None),
    ((24).to_bytes(4, "big") + b"ftypheic" + bytes(4) + b"mif1heic", None),
])
def test_rasters_are_recognised_by_their_bytes(data: bytes, extension: str | None) -> None:
    from pipelines._raster import raster
    found = raster(data)
    assert (found.extension if found else None) == extension
