"""`[filters]` and a source's `include` / `exclude` / `default_filters` / `cross_source` keys."""

from __future__ import annotations

from typing import Any

import regex

from crawler.config._checks import Checks
from crawler.filters import FIELDS, Filters, Rule, compiled

FILTER_KEYS = ("include", "exclude", "default_filters", "cross_source")  # in [[sources]]
CROSS_SOURCE = ("merge", "separate")
# Inputs on which a pattern with nested quantifiers backtracks for ever: such a pattern is
# refused when the configuration is read, before any crawl (MATCH_TIMEOUT guards the rest).
_PROBES = ("a" * 3000 + "!", " " * 3000 + "!", "ab" * 1500 + "!", "0" * 3000 + "x",
           "a " * 1500 + "!")
_PROBE_TIMEOUT = 0.2
_FORMS = ('"title:Sponsored" (a keyword), "re:link:/ads/" (a regular expression), or '
          '{field = "title", contains = "Sponsored"} / {field = "link", regex = "/ads/"}; '
          f"fields: {', '.join(FIELDS)}")


class FiltersSection(Checks):
    """Rules validated once, at load: fields known, keywords not empty, regexes compiled and
    probed for catastrophic backtracking."""

    default_filters: Filters = Filters()

    def filters(self, data: Any) -> Filters:
        """`[filters]`: the default rules, applied to every source that keeps them."""
        data = self.table(data, "filters", {"include", "exclude"}, section="filters")
        self.default_filters = Filters(
            include=self._rules(data.get("include", []), "filters.include", "filters", 0),
            exclude=self._rules(data.get("exclude", []), "filters.exclude", "filters", 0))
        return self.default_filters

    def source_filters(self, entry: dict[str, Any], key: str, index: int) -> dict[str, Any]:
        """A source's rules after the defaults (`default_filters = false`: its own only),
        and its `cross_source` setting, as SourceConfig keywords."""
        own = Filters(
            include=self._rules(entry.get("include", []), f"{key}.include", "sources", index),
            exclude=self._rules(entry.get("exclude", []), f"{key}.exclude", "sources", index))
        keep = entry.get("default_filters", True)
        if not isinstance(keep, bool):
            self.fail(f"{key}.default_filters", f"expected true or false, got {keep!r}",
                      section="sources", index=index)
        cross = entry.get("cross_source", "merge")
        if cross not in CROSS_SOURCE:
            self.fail(f"{key}.cross_source", f"expected one of {', '.join(CROSS_SOURCE)}, "
                      f"got {cross!r}", section="sources", index=index)
        return {"filters": self.default_filters.extended(own) if keep else own,
                "default_filters": keep, "cross_source": cross}

    def _rules(self, value: Any, key: str, section: str, index: int) -> tuple[Rule, ...]:
        if not isinstance(value, list):
            self.fail(key, f"expected a list of rules such as {_FORMS}", section=section,
                      index=index)
        return tuple(self._rule(raw, f"{key}[{n}]", section, index)
                     for n, raw in enumerate(value))

    def _rule(self, raw: Any, key: str, section: str, index: int) -> Rule:
        fields: dict[str, Any]
        if isinstance(raw, str):
            kind, _, rest = raw.partition(":") if raw.startswith("re:") else ("", "", raw)
            field, colon, text = rest.partition(":")
            if not colon or not text:
                self.fail(key, f"{raw!r}: expected field:keyword or re:field:pattern, e.g. "
                          f"{_FORMS}", section=section, index=index)
            fields = {"field": field, "regex" if kind else "contains": text}
        elif isinstance(raw, dict):
            unknown = set(raw) - {"field", "contains", "regex"}
            if unknown or ("contains" in raw) == ("regex" in raw):
                self.fail(key, f"expected field and one of contains or regex, e.g. {_FORMS}",
                          section=section, index=index)
            fields = raw
            kind = "re" if "regex" in raw else ""
        else:
            self.fail(key, f"expected a rule such as {_FORMS}", section=section, index=index)
        name: Any = fields.get("field")
        if name not in FIELDS:
            self.fail(key, f"unknown field {name!r}; expected one of {', '.join(FIELDS)}",
                      section=section, index=index)
        if kind:
            pattern = self.string(fields["regex"], key, section, index)
            self._check_pattern(pattern, key, section, index)
            return Rule(field=name, pattern=pattern,
                        written=raw if isinstance(raw, str) else f"re:{name}:{pattern}")
        words: Any = fields["contains"]
        words = [words] if isinstance(words, str) else words
        if not isinstance(words, list) or not words or not all(
                isinstance(w, str) and w.strip() for w in words):
            self.fail(key, f"contains: expected a keyword or a list of keywords, got {words!r}",
                      section=section, index=index)
        return Rule(field=name, contains=tuple(w.strip() for w in words),
                    written=raw if isinstance(raw, str)
                    else f"{name}:{' | '.join(w.strip() for w in words)}")

    def _check_pattern(self, pattern: str, key: str, section: str, index: int) -> None:
        try:
            found = compiled(pattern)
        except regex.error as exc:
            self.fail(key, f"{pattern!r} is not a regular expression: {exc}", section=section,
                      index=index)
        try:
            for probe in _PROBES:
                found.search(probe, timeout=_PROBE_TIMEOUT)
        except TimeoutError:
            self.fail(key, f"{pattern!r} backtracks for ever on some inputs (a quantifier "
                      "inside a repeated group, like (a+)+ or (a|aa)*): rewrite it without "
                      "nested repetition", section=section, index=index)
