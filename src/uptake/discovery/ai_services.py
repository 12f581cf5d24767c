"""The map from AI services' domains (and application names) to tools: the shipped, versioned data file
`data/ai_services.yaml`, extended per workspace by `ServiceDomain` rows, which win over it.

A domain entry matches its host and every subdomain (`openai.com` matches `chat.openai.com`); an entry with a
path (`bing.com/chat`) matches only URLs under that path. The longest match wins, so `chat.openai.com`
(ChatGPT) beats `openai.com` (the OpenAI API). CASB and SaaS-discovery exports name an application instead of a
domain; `names` match those, case and spacing aside.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import yaml

CATEGORIES = ("chat", "code", "image", "meeting", "writing", "search", "audio", "video", "productivity")
NAME_SEPARATORS = re.compile(r"[\s_.\-·]+")
MAX_CACHED_MATCHES = 200_000
DOMAIN_PATTERN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(/[\w./-]*)?$"
)


@dataclass(frozen=True)
class AIService:
    slug: str
    name: str
    vendor: str
    category: str
    domains: tuple[str, ...]
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceMap:
    """Every known AI service of a workspace, and the lookups the import needs."""

    version: str
    services: dict[str, AIService]
    by_domain: dict[str, str]
    by_name: dict[str, str]
    _matches: dict[str, tuple[str, str] | None] = field(default_factory=dict, compare=False, repr=False)
    """What each text seen matched (a log names the same hosts over and over), up to `MAX_CACHED_MATCHES`."""

    def match(self, domain_or_url: str) -> tuple[str, str] | None:
        """The (tool slug, matched domain) of a host, URL or application name, or None when no AI service."""
        if domain_or_url in self._matches:
            return self._matches[domain_or_url]
        found = self._match(domain_or_url)
        if len(self._matches) < MAX_CACHED_MATCHES:
            self._matches[domain_or_url] = found
        return found

    def _match(self, domain_or_url: str) -> tuple[str, str] | None:
        text = domain_or_url.strip().lower()
        if not text:
            return None
        named = self.by_name.get(_name_key(text))
        if named is not None and "." not in text:
            return named, text
        host, path = split_host(text)
        if not host:
            return None
        labels = host.split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            for entry in self._entries_for(candidate, path):
                return self.by_domain[entry], entry
        return (named, text) if named is not None else None

    def _entries_for(self, host: str, path: str) -> Iterable[str]:
        # An entry with a path first (it is longer), then the host alone.
        for segment in _path_prefixes(path):
            entry = f"{host}{segment}"
            if entry in self.by_domain:
                yield entry
        if host in self.by_domain:
            yield host


def _path_prefixes(path: str) -> list[str]:
    parts = [part for part in path.split("/") if part]
    return ["/" + "/".join(parts[:end]) for end in range(len(parts), 0, -1)]


def _name_key(text: str) -> str:
    return NAME_SEPARATORS.sub(" ", text.strip().lower())


def split_host(text: str) -> tuple[str, str]:
    """The lower-case host (no port, no `www.`) and path of a URL, a `host/path` or a bare host."""
    value = text.strip().lower()
    if "://" not in value:
        value = "//" + value
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        return "", ""
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host, parts.path


def shipped_source() -> str:
    return resources.files("uptake.discovery").joinpath("data/ai_services.yaml").read_text("utf-8")


def parse_services(source: str) -> tuple[str, list[AIService]]:
    document = yaml.safe_load(source)
    services = [
        AIService(
            slug=str(entry["slug"]),
            name=str(entry["name"]),
            vendor=str(entry["vendor"]),
            category=str(entry["category"]),
            domains=tuple(str(domain).lower() for domain in entry["domains"]),
            names=tuple(str(name) for name in entry.get("names", ())),
        )
        for entry in document["services"]
    ]
    return str(document["version"]), services


@cache
def shipped_services() -> tuple[str, tuple[AIService, ...]]:
    """The shipped data file's version and services (read once)."""
    version, services = parse_services(shipped_source())
    return version, tuple(services)


def build_service_map(extra: Iterable[AIService] = ()) -> ServiceMap:
    """The shipped map with a workspace's own entries laid over it (a workspace domain wins)."""
    version, shipped = shipped_services()
    services: dict[str, AIService] = {}
    by_domain: dict[str, str] = {}
    by_name: dict[str, str] = {}
    for service in [*shipped, *extra]:
        known = services.get(service.slug)
        if known is None:
            services[service.slug] = service
        else:
            services[service.slug] = AIService(
                known.slug,
                known.name,
                known.vendor,
                known.category,
                tuple(dict.fromkeys([*known.domains, *service.domains])),
                known.names,
            )
        for domain in service.domains:
            by_domain[domain] = service.slug
        for name in (*service.names, service.name):
            by_name.setdefault(_name_key(name), service.slug)
    return ServiceMap(version, services, by_domain, by_name)
