"""The `[notify]` section of the validator: Apprise URLs and the events that send a digest."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from crawler.config._checks import Checks
from crawler.config.model import NOTIFY_EVENTS, NotifyConfig


@contextmanager
def apprise_module() -> Iterator[ModuleType]:
    """Apprise, imported only by a configuration that notifies (it is slow to import).

    Apprise 2.3 loads its plugins on first use, and one imports the standard library's
    deprecated `imghdr` (Python 3.11, 3.12): that warning is Apprise's, not the user's."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'imghdr' is deprecated", DeprecationWarning)
        import apprise

        yield apprise


class NotifySection(Checks):
    """`[notify] urls = ["mailtos://…", "tgram://…"]`, `on = ["new", "failed"]`."""

    def notify(self, data: Any) -> NotifyConfig | None:
        if data is None:
            return None
        data = self.table(data, "notify", {"urls", "on"}, section="notify")
        urls = data.get("urls", [])
        if not isinstance(urls, list) or not all(isinstance(u, str) and u.strip() for u in urls):
            # not self.strings(): its message repeats the value, and these hold secrets
            self.fail("notify.urls", "expected a list of Apprise URLs (strings)",
                      section="notify")
        if not urls:
            self.fail("notify.urls", "expected at least one Apprise URL, e.g. "
                      "[\"mailtos://user:${MAIL_PASSWORD}@example.org\"]", section="notify")
        with apprise_module() as apprise:
            unusable = [n for n, url in enumerate(urls, 1) if not apprise.Apprise().add(url)]
        for number in unusable[:1]:
            # the URL itself is not repeated: it usually holds a token or password
            self.fail("notify.urls", f"URL number {number} is not one Apprise can send to "
                      "(see https://github.com/caronc/apprise/wiki for the services and "
                      "their URL forms)", section="notify")
        on = self.strings(data.get("on", list(NOTIFY_EVENTS)), "notify.on", "notify")
        unknown = sorted(set(on) - set(NOTIFY_EVENTS))
        if unknown:
            self.fail("notify.on", f"unknown event {unknown[0]!r}; expected some of "
                      f"{', '.join(map(repr, NOTIFY_EVENTS))}", section="notify")
        return NotifyConfig(urls=tuple(urls), on=frozenset(on))
