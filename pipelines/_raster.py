"""Raster images recognised by their bytes: the only files download mode saves.

The archive publishes saved images from the site's own origin, so a file named `.png`
must be a PNG: an HTML page or an SVG (which can carry scripts) served as `image/png`
would otherwise run as the site. The Content-Type and the URL's extension are claims;
the first bytes are checked against each format's signature, and the saved file's
extension comes from what they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Raster:
    """A recognised raster format: its MIME type and the extension a saved file gets."""

    mime: str
    extension: str


PNG = Raster("image/png", ".png")
JPEG = Raster("image/jpeg", ".jpg")
GIF = Raster("image/gif", ".gif")
WEBP = Raster("image/webp", ".webp")
AVIF = Raster("image/avif", ".avif")
RASTERS = (PNG, JPEG, GIF, WEBP, AVIF)
EXTENSIONS = frozenset(r.extension for r in RASTERS)
NAMES = "PNG, JPEG, GIF, WebP or AVIF"
_MIMES = frozenset(r.mime for r in RASTERS)

_AVIF_BRANDS = (b"avif", b"avis")
_SVG = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<svg[\s>]",
                  re.I | re.S)


def raster(head: bytes) -> Raster | None:
    """The format the bytes are in (the first 32 suffice), None unless one of RASTERS."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and _avif_brand(head):
        return AVIF
    return None


def _avif_brand(head: bytes) -> bool:
    """The ISO-BMFF `ftyp` box names an AVIF brand as major or compatible brand."""
    size = int.from_bytes(head[:4], "big")
    box = head[8:min(size, len(head))] if size >= 16 else b""
    brands = [box[i:i + 4] for i in range(0, len(box), 4) if i != 4]  # [4:8] is a version
    return any(brand in _AVIF_BRANDS for brand in brands)


def looks_like_svg(head: bytes) -> bool:
    """An SVG document (XML prologue, comments and doctype allowed before `<svg`)."""
    return bool(_SVG.match(head[:1024]))


def why_not(kind: str, body: bytes) -> str:
    """Why a response whose bytes are no raster is not saved (kind: its Content-Type)."""
    if kind == "image/svg+xml":
        return "image/svg+xml is not a raster image (SVG can carry scripts)"
    served = f"served as {kind}" if kind else "served without a Content-Type"
    if looks_like_svg(body):
        return f"its bytes are an SVG image ({served}), not a raster image (SVG can carry scripts)"
    if kind in _MIMES:
        return f"{served}, but its bytes are not a {NAMES} image"
    return f"{kind or 'a response without a Content-Type'} is not a {NAMES} image"
