"""专家技能匹配 — find experts by what they know, in memory, without the database.

Each expert has a few free-text skill phrases ("粉尘防爆", "有限空间作业安全", "液氨制冷系统").
Officers type words for them — with typos, homophones, traditional characters, full pinyin or
pinyin initials, synonyms of the bureau's vocabulary — or the service derives the needs from an
enterprise's features (:func:`needs_for`).

How a search works (:class:`ExpertIndex`):

1. The index keeps the DISTINCT skill phrases (by their compact key; a few hundred to a few
   thousand even for 100,000 experts), their keys from :func:`enforcement.core.text.search_keys`
   (compact, pinyin, initials) and an inverted index phrase → expert slots. Candidate generation
   never looks at experts: it matches the query against the phrase keys only.
2. A query is split into terms on whitespace and punctuation (、，；…). A long Chinese term without
   separators that matches nothing well as a whole is segmented into known words
   ("粉尘防爆有限空间" → 粉尘防爆, 有限空间); an unknown run of two or more characters between known
   words stays a term of its own (it may be a typo of a skill).
3. Each term is expanded with the synonym table (``data/synonyms.toml``): equivalent terms (同义),
   narrower terms of a broader one (属于) and, ranked lower, broader terms of a narrower one (涵盖).
   A term that contains a synonym also gets the variants with the synonym substituted
   ("受限空间作业" → "有限空间作业").
4. Every variant scores every distinct phrase (0..100) by the best of: containment on the compact
   form (the term inside the phrase scores 95..100, 100 when equal; a phrase inside the term
   80..95), containment on pinyin at syllable boundaries (homophones "分尘防爆", typed pinyin
   "fenchenfangbao") and on initials ("fcfb"), each a few points lower; and for the typed term
   itself a fuzzy score (rapidfuzz ``ratio``/``partial_ratio`` through ``process.cdist`` over the
   phrase-key arrays) for typos ("粉尘防暴", "有限空问"), discounted and with thresholds so that
   noise does not match. A homophone must share characters with the phrase (液氨 is not 作业安全's
   业安); typed pinyin or initials found inside a key but not at its start lose a few points.
   Synonym variants score at 97 %, narrower 92 %, broader 85 % (:data:`RELATIONS`). A phrase
   counts for a term from :data:`MIN_SCORE` up.
5. An expert's score for a term is the best score of its phrases; the expert's score is the mean
   over the terms that matched anything — so an expert with every asked skill ranks above one
   with some of them. Order: score (one decimal) descending, then expert id ascending.

Thread-safe: searches and updates take one lock (a search takes a few milliseconds).
"""

from __future__ import annotations

import re
import threading
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from pypinyin import Style, lazy_pinyin
from rapidfuzz import fuzz, process

from enforcement.core.text import (
    TextKeys,
    looks_like_initials,
    looks_like_pinyin,
    search_keys,
)

__all__ = [
    "FEATURE_FLAGS",
    "ExpertIndex",
    "Hit",
    "MatchingDataError",
    "SkillMatch",
    "Synonyms",
    "load_synonyms",
    "needs_for",
]

DATA = Path(__file__).with_name("data")
SYNONYMS_FILE = DATA / "synonyms.toml"
FEATURE_NEEDS_FILE = DATA / "feature_needs.toml"
SYNONYMS_OVERRIDE = Path("rules") / "synonyms.toml"          # under the app's instance folder
FEATURE_NEEDS_OVERRIDE = Path("rules") / "feature_needs.toml"

FEATURE_FLAGS = ("dust_explosion", "metal_dust", "ammonia_refrigeration", "confined_space",
                 "confined_space_toxic", "metal_smelting", "major_hazard_level",
                 "hazardous_chemicals_use")

MAX_QUERY_CHARS = 200     # longer queries are cut (the service validates the length itself)
MAX_TERMS = 12            # terms of one query beyond this are ignored
MAX_VARIANTS = 24         # synonym variants of one term
MIN_SCORE = 60.0          # a phrase below this does not match a term
SEGMENT_BELOW = 90.0      # a long Chinese term whose best phrase scores less may be segmented

# relation of a synonym variant to the typed term → weight of the variant's scores
RELATIONS = MappingProxyType({"同义": 0.97, "属于": 0.92, "涵盖": 0.85})
INDIRECT = 0.95           # extra weight of synonyms of a term read through pinyin or initials
NOT_PREFIX = 3.0          # pinyin / initials found inside a key, not at its start: points off

_SEPARATORS = re.compile(r"[\W_]+")
_NOT_AN_INITIAL = frozenset("iuv")


class MatchingDataError(ValueError):
    """A synonym or feature-needs file is unreadable or wrong; the message names the file."""


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """One of the expert's skill phrases, the query term that matched it and how well (0..100).

    ``term`` is the term as typed, or for a synonym "<synonym>（同义：<typed>）" (属于: the synonym
    is narrower than the typed term; 涵盖: broader)."""

    skill: str
    term: str
    score: float


@dataclass(frozen=True, slots=True)
class Hit:
    expert_id: int
    score: float                      # 0..100, one decimal
    matched: tuple[SkillMatch, ...]   # best first


# --- synonyms --------------------------------------------------------------------------------


class Synonyms:
    """The synonym table: groups of equivalent terms and broader → narrower relations.

    ``related(compact)`` gives, for a term (compact key), every related term with its relation
    (see :data:`RELATIONS`); group mates of both sides of a narrower relation are included."""

    def __init__(self, groups: Iterable[Sequence[str]] = (),
                 narrower: Iterable[tuple[str, Sequence[str]]] = (),
                 source: Path | None = None) -> None:
        self.groups = tuple(tuple(g) for g in groups)
        self.narrower = tuple((broad, tuple(narrow)) for broad, narrow in narrower)
        self.source = source
        compact_of: dict[str, str] = {}
        for term in (t for g in self.groups for t in g):
            compact_of[term] = search_keys(term).compact
        for broad, narrow in self.narrower:
            for term in (broad, *narrow):
                compact_of[term] = search_keys(term).compact
        mates: dict[str, set[str]] = {}
        for group in self.groups:
            for term in group:
                mates.setdefault(compact_of[term], set()).update(group)
        related: dict[str, dict[str, str]] = {}

        def relate(term: str, target: str, relation: str) -> None:
            key = compact_of[term]
            if key == compact_of[target]:
                return
            mine = related.setdefault(key, {})
            if RELATIONS[relation] > RELATIONS.get(mine.get(target, ""), 0.0):
                mine[target] = relation

        for group in self.groups:
            for term in group:
                for other in group:
                    relate(term, other, "同义")
        for broad, narrow in self.narrower:
            broads = {broad} | mates.get(compact_of[broad], set())
            for item in narrow:
                for wide in broads:
                    for small in {item} | mates.get(compact_of[item], set()):
                        relate(wide, small, "属于")
                        relate(small, wide, "涵盖")
        self._related = {k: tuple(v.items()) for k, v in related.items()}
        self._by_pinyin: dict[str, list[str]] = {}
        self._by_initials: dict[str, list[str]] = {}
        for key in self._related:
            keys = search_keys(key)
            self._by_pinyin.setdefault(keys.pinyin, []).append(key)
            if len(keys.initials) >= 3:
                self._by_initials.setdefault(keys.initials, []).append(key)
        # for substitution inside longer terms: longest first
        self._members = tuple(sorted((k for k in self._related if len(k) >= 2),
                                     key=lambda k: (-len(k), k)))
        self.vocabulary = frozenset(self._related)

    def __len__(self) -> int:
        return len(self.groups) + len(self.narrower)

    def __repr__(self) -> str:
        return (f"Synonyms({len(self.groups)} groups, {len(self.narrower)} narrower,"
                f" source={self.source})")

    def related(self, compact_term: str) -> tuple[tuple[str, str], ...]:
        """(related term, relation) pairs of a term given by its compact key; () if none."""
        return self._related.get(compact_term, ())

    def expand(self, keys: TextKeys, kind: str) -> list[tuple[str, str, str]]:
        """Variants of a query term: (variant text, relation, how) where how is "direct",
        "indirect" or "part".

        The term itself is a member (by compact key — direct; or by pinyin — homophones and typed
        pinyin — or by three or more initials — indirect): its related terms. Otherwise, for
        Chinese text, each member it contains (at most two, longest first, not overlapping) is
        substituted by that member's related terms (part)."""
        direct: list[str] = []
        how = "direct" if kind == "text" and keys.compact in self._related else "indirect"
        if kind == "text":
            if keys.compact in self._related:
                direct = [keys.compact]
            elif len(keys.compact) >= 2 and not keys.compact.isascii():
                direct = self._by_pinyin.get(keys.pinyin, [])
        elif kind == "pinyin":
            direct = self._by_pinyin.get(keys.pinyin, [])
        elif kind == "initials":
            direct = self._by_initials.get(keys.initials, [])
        out: list[tuple[str, str, str]] = []
        if direct:
            for member in direct:
                out.extend((target, relation, how)
                           for target, relation in self._related[member]
                           if search_keys(target).compact not in direct)
            return out
        if kind != "text" or len(keys.compact) < 3:
            return out
        text = keys.compact
        taken: list[tuple[int, int]] = []
        for member in self._members:
            if len(taken) == 2:
                break
            if len(member) >= len(text):
                continue
            at = text.find(member)
            if at < 0 or any(at < end and start < at + len(member) for start, end in taken):
                continue
            taken.append((at, at + len(member)))
            for target, relation in self._related[member]:
                out.append((text.replace(member, search_keys(target).compact), relation, "part"))
        return out


def _override_or(default: Path, override: Path) -> Path:
    from enforcement.core.rulefiles import override_path

    return override_path(override.name) or default


def synonyms_path() -> Path:
    """The bureau's file in the active app's instance folder if there is one, else the default."""
    return _override_or(SYNONYMS_FILE, SYNONYMS_OVERRIDE)


def feature_needs_path() -> Path:
    """The bureau's file in the active app's instance folder if there is one, else the default."""
    return _override_or(FEATURE_NEEDS_FILE, FEATURE_NEEDS_OVERRIDE)


class _Problem(Exception):
    """A problem in a data file (becomes a MatchingDataError naming the file)."""


_cache: dict[tuple[str, Path], tuple[tuple[int, int], Any]] = {}
_cache_lock = threading.Lock()


def _load(kind: str, path: Path, parse) -> Any:
    """Read, parse and check a TOML data file; cached until the file changes."""
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with _cache_lock:
            cached = _cache.get((kind, path))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        with path.open("rb") as f:
            data = tomllib.load(f)
        result = parse(data, path)
    except OSError as exc:
        raise MatchingDataError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MatchingDataError(f"{path}: not valid TOML: {exc}") from None
    except _Problem as exc:
        raise MatchingDataError(f"{path}: {exc}") from None
    with _cache_lock:
        _cache[(kind, path)] = (stamp, result)
    return result


def _unknown(table: Mapping, allowed: Iterable[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise _Problem(f"{where}unknown key {key!r} (expected one of: "
                           f"{', '.join(allowed)})")


def _term(value: Any, where: str) -> str:
    if not isinstance(value, str) or not search_keys(value).compact:
        raise _Problem(f"{where}: needs non-empty text, got {value!r}")
    if len(value) > 50:
        raise _Problem(f"{where}: {value!r} is longer than 50 characters")
    return value.strip()


def _terms(value: Any, where: str, at_least: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) < at_least:
        raise _Problem(f"{where}: needs a list of at least {at_least} terms, got {value!r}")
    terms = tuple(_term(v, f"{where}[{i}]") for i, v in enumerate(value))
    seen: set[str] = set()
    for term in terms:
        key = search_keys(term).compact
        if key in seen:
            raise _Problem(f"{where}: {term!r} appears twice")
        seen.add(key)
    return terms


def _version(data: Mapping) -> None:
    if "version" in data and not isinstance(data["version"], str):
        raise _Problem(f"version: needs text, got {data['version']!r}")


def _parse_synonyms(data: dict, path: Path) -> Synonyms:
    _unknown(data, ("version", "group", "narrower"), "")
    _version(data)
    groups, narrower = data.get("group", []), data.get("narrower", [])
    if not isinstance(groups, list) or not all(isinstance(g, dict) for g in groups):
        raise _Problem("group: needs [[group]] tables")
    if not isinstance(narrower, list) or not all(isinstance(n, dict) for n in narrower):
        raise _Problem("narrower: needs [[narrower]] tables")
    parsed_groups = []
    for i, group in enumerate(groups):
        _unknown(group, ("terms",), f"group[{i}]: ")
        parsed_groups.append(_terms(group.get("terms"), f"group[{i}].terms", 2))
    parsed_narrower = []
    for i, item in enumerate(narrower):
        _unknown(item, ("term", "includes"), f"narrower[{i}]: ")
        broad = _term(item.get("term"), f"narrower[{i}].term")
        includes = _terms(item.get("includes"), f"narrower[{i}].includes", 1)
        if search_keys(broad).compact in {search_keys(t).compact for t in includes}:
            raise _Problem(f"narrower[{i}]: {broad!r} cannot include itself")
        parsed_narrower.append((broad, includes))
    return Synonyms(parsed_groups, parsed_narrower, path)


def load_synonyms(path: str | Path | None = None) -> Synonyms:
    """The synonym table (default: :func:`synonyms_path`), checked.

    :raises MatchingDataError: naming the file and the problem, e.g.
        ``…/synonyms.toml: group[3].terms: needs a list of at least 2 terms, got ['液氨']``.
    """
    return _load("synonyms", Path(path) if path is not None else synonyms_path(),
                 _parse_synonyms)


@dataclass(frozen=True, slots=True)
class _Needs:
    features: tuple[tuple[str, tuple[str, ...]], ...]
    sectors: Mapping[str, tuple[str, ...]]


def _parse_needs(data: dict, path: Path) -> _Needs:
    from enforcement.enterprises.rules import SECTOR_TEXT

    _unknown(data, ("version", "features", "sectors"), "")
    _version(data)
    features, sectors = data.get("features", {}), data.get("sectors", {})
    if not isinstance(features, dict):
        raise _Problem("features: needs a [features] table")
    if not isinstance(sectors, dict):
        raise _Problem("sectors: needs a [sectors] table")
    _unknown(features, FEATURE_FLAGS, "features: ")
    _unknown(sectors, tuple(SECTOR_TEXT), "sectors: ")
    return _Needs(
        tuple((flag, _terms(v, f"features.{flag}", 1)) for flag, v in features.items()),
        MappingProxyType({s: _terms(v, f"sectors.{s}", 1) for s, v in sectors.items()}))


def needs_for(features: Mapping[str, Any], path: str | Path | None = None) -> list[str]:
    """The skill terms an inspection of an enterprise with these features needs.

    ``features`` maps the flags of :data:`FEATURE_FLAGS` to values (a flag counts when its value
    is true — for ``major_hazard_level`` any level 1..4) and may carry ``"sector"``; other keys
    are ignored. The needs come out in the file's order (features, then the sector), distinct.

    :raises MatchingDataError: the file (default: :func:`feature_needs_path`) is unreadable or
        wrong.
    """
    table: _Needs = _load("needs", Path(path) if path is not None else feature_needs_path(),
                          _parse_needs)
    needs: list[str] = []
    for flag, terms in table.features:
        if features.get(flag):
            needs.extend(t for t in terms if t not in needs)
    sector = features.get("sector")
    if isinstance(sector, str):
        needs.extend(t for t in table.sectors.get(sector, ()) if t not in needs)
    return needs


# --- query terms -----------------------------------------------------------------------------


def _strip_controls(text: str) -> str:
    """Whitespace controls (tab, newline …) → a space; other control and format characters
    removed."""
    if text.isprintable():
        return text
    return "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co"))


def _clean(query: str) -> str:
    if not isinstance(query, str):
        raise TypeError(f"a query must be str, not {type(query).__name__}")
    return _strip_controls(query[:MAX_QUERY_CHARS * 4])[:MAX_QUERY_CHARS]


@lru_cache(maxsize=8192)
def _syllable_starts(keys: TextKeys) -> tuple[int, ...]:
    """Offsets in ``keys.pinyin`` where a syllable (or a non-Chinese character) starts."""
    if keys.compact.isascii():
        return tuple(range(len(keys.pinyin)))
    syllables = lazy_pinyin(keys.compact, style=Style.NORMAL, errors=list)
    if "".join(syllables) != keys.pinyin:      # cannot happen with the same phrase table
        return tuple(range(len(keys.pinyin)))
    starts, at = [], 0
    for syllable in syllables:
        starts.append(at)
        at += len(syllable)
    return tuple(starts)


def _kind(keys: TextKeys) -> str:
    if looks_like_initials(keys.compact):
        return "initials"
    if looks_like_pinyin(keys.compact):
        return "pinyin"
    return "text"


@dataclass(frozen=True, slots=True)
class _Variant:
    label: str          # what a SkillMatch reports as the term
    keys: TextKeys
    kind: str           # "text" | "pinyin" | "initials"
    weight: float
    primary: bool       # the typed term itself (fuzzy and pinyin matching only for it)
    part: bool = False  # a synonym substituted for a part of the term


@dataclass(slots=True)
class _TermScores:
    scores: np.ndarray          # per phrase id, 0 below MIN_SCORE
    which: np.ndarray           # per phrase id: index into variants of the best one
    variants: list[_Variant]

    @property
    def best(self) -> float:
        return float(self.scores.max()) if self.scores.size else 0.0


# --- the index -------------------------------------------------------------------------------


def _find_all(haystack: str, needle: str) -> list[int]:
    found, at = [], haystack.find(needle)
    while at >= 0:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


class _KeySpace:
    """One key of every phrase (compact, pinyin or initials) laid out for matching: the list (for
    rapidfuzz), the lengths, all keys joined by NUL (substring search in C) with each key's start,
    and key → phrase ids."""

    __slots__ = ("bounds", "join", "keys", "lengths", "lookup", "max_len", "starts")

    def __init__(self, keys: list[str], bounds: list[tuple[int, ...]] | None = None) -> None:
        self.keys = keys
        self.lengths = np.fromiter(map(len, keys), np.float64, len(keys))
        self.join = "\x00".join(keys)
        starts = np.zeros(len(keys), np.int64)
        if keys:
            starts[1:] = np.cumsum(self.lengths[:-1] + 1)
        self.starts = starts
        self.lookup: dict[str, list[int]] = {}
        for pid, key in enumerate(keys):
            if key:
                self.lookup.setdefault(key, []).append(pid)
        self.max_len = max(map(len, keys), default=0)
        self.bounds: np.ndarray | None = None
        if bounds is not None:
            mask = np.zeros(len(self.join) + 1, bool)
            for pid, offsets in enumerate(bounds):
                if keys[pid]:
                    mask[int(starts[pid]) + np.asarray(offsets, np.int64)] = True
            self.bounds = mask

    def contained(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Where ``query`` occurs inside the keys (at a syllable start if bounded): one
        (phrase id, occurrence is at the key's start) per occurrence."""
        found = _find_all(self.join, query)
        if not found:
            return np.empty(0, np.int64), np.empty(0, bool)
        at = np.asarray(found, np.int64)
        if self.bounds is not None:
            at = at[self.bounds[at]]
        pids = np.searchsorted(self.starts, at, side="right") - 1
        return pids, at == self.starts[pids]


class _Tables:
    """Flat views of the phrase keys, rebuilt when the set of phrases changes."""

    __slots__ = ("compact", "initials", "pinyin", "vocab", "vocab_max")

    def __init__(self, keys: list[TextKeys | None], bounds: list[tuple[int, ...]],
                 synonyms: Synonyms) -> None:
        self.compact = _KeySpace([k.compact if k else "" for k in keys])
        self.pinyin = _KeySpace([k.pinyin if k else "" for k in keys], bounds)
        self.initials = _KeySpace([k.initials if k else "" for k in keys])
        self.vocab = set(self.compact.lookup) | synonyms.vocabulary
        self.vocab_max = max(map(len, self.vocab), default=0)


def _add(scores: np.ndarray, pids: list[int], value: float) -> None:
    scores[pids] = np.maximum(scores[pids], value)


class ExpertIndex:
    """Experts by skill: distinct phrases, their keys, and phrase → experts (see the module
    docstring). Build with :meth:`build`; keep current with :meth:`add_or_replace` and
    :meth:`remove`."""

    def __init__(self, synonyms: Synonyms | None = None) -> None:
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self._lock = threading.RLock()
        # phrases (by compact key); a freed phrase id is reused
        self._keys: list[TextKeys | None] = []
        self._bounds: list[tuple[int, ...]] = []
        self._postings: list[set[int]] = []
        self._arrays: list[np.ndarray | None] = []
        self._pid_by_compact: dict[str, int] = {}
        self._by_text: dict[str, tuple[int, str]] = {}     # skill text → (phrase id, shared text)
        self._texts_of: list[list[str]] = []
        self._free_pids: list[int] = []
        self._tables: _Tables | None = None
        # experts (slots are reused)
        self._slot_of: dict[int, int] = {}
        self._expert_of = np.zeros(1024, np.int64)
        self._skills_of: list[tuple[str, ...] | None] = []
        self._free_slots: list[int] = []

    # -- building and updating ----------------------------------------------------------------

    @classmethod
    def build(cls, experts: Iterable[tuple[int, Sequence[str]]],
              synonyms: Synonyms | None = None) -> ExpertIndex:
        """An index of ``(expert id, skill phrases)`` pairs (a later pair for the same id wins)."""
        index = cls(synonyms)
        with index._lock:
            for expert_id, skills in experts:
                index._put(expert_id, skills)
            index._current_tables()            # lay out for searching now, not on the first query
            for pid in range(len(index._postings)):
                index._postings_array(pid)
        return index

    def add_or_replace(self, expert_id: int, skills: Sequence[str]) -> None:
        """Index an expert's skills, replacing what was indexed for it. An expert without a
        usable skill phrase is removed."""
        with self._lock:
            self._put(expert_id, skills)

    def remove(self, expert_id: int) -> None:
        """Forget an expert (nothing happens if it is not indexed)."""
        with self._lock:
            self._drop(expert_id)

    @property
    def size(self) -> int:
        """Number of indexed experts."""
        return len(self._slot_of)

    @property
    def phrase_count(self) -> int:
        """Number of distinct skill phrases (by compact key) of the indexed experts."""
        return len(self._pid_by_compact)

    def skills_of(self, expert_id: int) -> tuple[str, ...]:
        """The indexed skill phrases of an expert (() if not indexed)."""
        with self._lock:
            slot = self._slot_of.get(expert_id)
            return self._skills_of[slot] or () if slot is not None else ()

    def _clean_skills(self, skills: Sequence[str]) -> list[str]:
        if isinstance(skills, str):
            raise TypeError("skills must be a sequence of phrases, not one str")
        texts: list[str] = []
        seen: set[str] = set()
        for skill in skills:
            if not isinstance(skill, str):
                raise TypeError(f"a skill must be str, not {type(skill).__name__}")
            text = " ".join(_strip_controls(skill).split())
            if not text:
                continue
            key = search_keys(text).compact
            if key and key not in seen:
                seen.add(key)
                texts.append(text)
        return texts

    def _put(self, expert_id: int, skills: Sequence[str]) -> None:
        if not isinstance(expert_id, int) or isinstance(expert_id, bool):
            raise TypeError(f"an expert id must be int, not {type(expert_id).__name__}")
        texts = self._clean_skills(skills)
        self._drop(expert_id)
        if not texts:
            return
        if self._free_slots:
            slot = self._free_slots.pop()
        else:
            slot = len(self._skills_of)
            self._skills_of.append(None)
            if slot >= len(self._expert_of):
                self._expert_of = np.resize(self._expert_of, 2 * len(self._expert_of))
        shared = []
        for text in texts:
            pid, text = self._phrase(text)
            shared.append(text)
            self._postings[pid].add(slot)
            self._arrays[pid] = None
        self._skills_of[slot] = tuple(shared)
        self._expert_of[slot] = expert_id
        self._slot_of[expert_id] = slot

    def _phrase(self, text: str) -> tuple[int, str]:
        known = self._by_text.get(text)
        if known is not None:
            return known
        keys = search_keys(text)
        pid = self._pid_by_compact.get(keys.compact)
        if pid is None:
            bounds = _syllable_starts(keys)
            if self._free_pids:
                pid = self._free_pids.pop()
                self._keys[pid], self._bounds[pid] = keys, bounds
            else:
                pid = len(self._keys)
                self._keys.append(keys)
                self._bounds.append(bounds)
                self._postings.append(set())
                self._arrays.append(None)
                self._texts_of.append([])
            self._pid_by_compact[keys.compact] = pid
            self._tables = None
        self._by_text[text] = (pid, text)
        self._texts_of[pid].append(text)
        return pid, text

    def _drop(self, expert_id: int) -> None:
        slot = self._slot_of.pop(expert_id, None)
        if slot is None:
            return
        for text in self._skills_of[slot] or ():
            pid = self._by_text[text][0]
            postings = self._postings[pid]
            postings.discard(slot)
            self._arrays[pid] = None
            if not postings:       # the last expert with this phrase: free it
                keys = self._keys[pid]
                del self._pid_by_compact[keys.compact]
                for old in self._texts_of[pid]:
                    del self._by_text[old]
                self._texts_of[pid] = []
                self._keys[pid] = None
                self._bounds[pid] = ()
                self._free_pids.append(pid)
                self._tables = None
        self._skills_of[slot] = None
        self._free_slots.append(slot)

    def _postings_array(self, pid: int) -> np.ndarray:
        array = self._arrays[pid]
        if array is None:
            postings = self._postings[pid]
            array = np.fromiter(postings, np.int32, len(postings))
            self._arrays[pid] = array
        return array

    def _current_tables(self) -> _Tables:
        if self._tables is None:
            self._tables = _Tables(self._keys, self._bounds, self.synonyms)
        return self._tables

    # -- searching ----------------------------------------------------------------------------

    def search(self, query: str, *, limit: int = 20,
               candidates: set[int] | None = None) -> list[Hit]:
        """Experts for typed words: best first (score desc, then expert id asc), at most
        ``limit``, only those in ``candidates`` when given. Empty or blank query → []."""
        pieces = [p for p in _SEPARATORS.split(_clean(query)) if p]
        if not pieces or limit <= 0:
            return []
        with self._lock:
            tables = self._current_tables()
            terms: list[_TermScores] = []
            seen: set[str] = set()
            for piece in pieces:
                if len(terms) >= MAX_TERMS:
                    break
                keys = search_keys(piece)
                if keys.compact in seen or not _usable(keys):
                    continue
                seen.add(keys.compact)
                scored = self._score_term(tables, piece, keys)
                segments = None
                if (scored.best < SEGMENT_BELOW and len(keys.compact) >= 4
                        and not keys.compact.isascii()):
                    segments = _segment(keys.compact, tables)
                if segments is None:
                    terms.append(scored)
                    continue
                for segment in segments:
                    if segment not in seen and len(terms) < MAX_TERMS:
                        seen.add(segment)
                        terms.append(self._score_term(tables, segment, search_keys(segment)))
            return self._rank(terms, limit, candidates)

    def search_terms(self, terms: Sequence[str], *, limit: int = 20,
                     candidates: set[int] | None = None) -> list[Hit]:
        """Experts for a list of needs (e.g. from :func:`needs_for`): each term is one need,
        matched whole (not split). Same scoring and order as :meth:`search`."""
        if isinstance(terms, str):
            raise TypeError("terms must be a sequence of str, not one str")
        if limit <= 0:
            return []
        with self._lock:
            tables = self._current_tables()
            scored: list[_TermScores] = []
            seen: set[str] = set()
            for term in terms:
                label = " ".join(_clean(term).split())
                keys = search_keys(label)
                if keys.compact in seen or not _usable(keys) or len(scored) >= MAX_TERMS:
                    continue
                seen.add(keys.compact)
                scored.append(self._score_term(tables, label, keys))
            return self._rank(scored, limit, candidates)

    def _score_term(self, tables: _Tables, label: str, keys: TextKeys) -> _TermScores:
        kind = _kind(keys)
        variants = [_Variant(label, keys, kind, 1.0, True)]
        seen = {keys.compact}
        for text, relation, how in self.synonyms.expand(keys, kind):
            variant_keys = search_keys(text)
            if variant_keys.compact in seen or len(variants) > MAX_VARIANTS:
                continue
            seen.add(variant_keys.compact)
            weight = RELATIONS[relation] * (INDIRECT if how == "indirect" else 1.0)
            variants.append(_Variant(f"{text}（{relation}：{label}）", variant_keys, "text",
                                     weight, False, how == "part"))
        n = len(tables.compact.keys)
        best = np.zeros(n, np.float64)
        which = np.zeros(n, np.int16)
        for i, variant in enumerate(variants):
            scores = _score_variant(tables, variant)
            better = scores > best
            best[better] = scores[better]
            which[better] = i
        best[best < MIN_SCORE] = 0.0
        return _TermScores(best, which, variants)

    def _rank(self, terms: list[_TermScores], limit: int,
              candidates: set[int] | None) -> list[Hit]:
        terms = [t for t in terms if t.best > 0]
        if not terms or (candidates is not None and not candidates):
            return []
        slots = len(self._skills_of)
        total = np.zeros(slots, np.float64)
        per_expert = np.zeros(slots, np.float64)
        for term in terms:
            pids = np.flatnonzero(term.scores)
            pids = pids[np.argsort(term.scores[pids], kind="stable")]
            per_expert.fill(0.0)
            for pid in pids.tolist():    # ascending: the best phrase of each expert wins
                per_expert[self._postings_array(pid)] = term.scores[pid]
            total += per_expert
        mean = np.round(total / len(terms), 1)
        found = np.flatnonzero(mean > 0)
        if candidates is not None:
            if len(candidates) < len(found):
                mine = [self._slot_of[e] for e in candidates if e in self._slot_of]
                found = np.asarray(sorted(mine), np.int64)
                found = found[mean[found] > 0]
            else:
                found = found[[int(e) in candidates for e in self._expert_of[found]]] \
                    if found.size else found
        if not found.size:
            return []
        scores, ids = mean[found], self._expert_of[found]
        if len(found) > limit:
            kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            keep = scores >= kth
            found, scores, ids = found[keep], scores[keep], ids[keep]
        order = np.lexsort((ids, -scores))[:limit]
        return [Hit(int(ids[i]), float(scores[i]), self._matched(int(found[i]), terms))
                for i in order]

    def _matched(self, slot: int, terms: list[_TermScores]) -> tuple[SkillMatch, ...]:
        matches = []
        for position, text in enumerate(self._skills_of[slot] or ()):
            pid = self._by_text[text][0]
            best, label = 0.0, ""
            for term in terms:
                score = float(term.scores[pid])
                if score > best:
                    best, label = score, term.variants[int(term.which[pid])].label
            if best > 0:
                matches.append((-round(best, 1), position, SkillMatch(text, label,
                                                                      round(best, 1))))
        matches.sort(key=lambda m: m[:2])
        return tuple(m[2] for m in matches)


def _usable(keys: TextKeys) -> bool:
    """A single Latin letter or digit is noise; anything else with a key is a term."""
    return bool(keys.compact) and not (len(keys.compact) == 1 and keys.compact.isascii())


def _segment(text: str, tables: _Tables) -> list[str] | None:
    """Split an unseparated Chinese term into known words (phrases and synonym terms), greedy
    longest first; runs of two or more unknown characters between them stay as pieces, single
    ones (和、与、及 …) are dropped. None unless that gives two known words, or one known word of
    four or more characters and another piece."""
    pieces: list[tuple[str, bool]] = []
    at, unknown = 0, ""
    while at < len(text):
        for size in range(min(tables.vocab_max, len(text) - at), 1, -1):
            if text[at:at + size] in tables.vocab:
                break
        else:
            size = 0
        if size:
            if unknown:
                pieces.append((unknown, False))
                unknown = ""
            pieces.append((text[at:at + size], True))
            at += size
        else:
            unknown += text[at]
            at += 1
    if unknown:
        pieces.append((unknown, False))
    known = [p for p, k in pieces if k]
    kept = [p for p, k in pieces if k or len(p) >= 2]
    if len(known) >= 2 or (len(known) == 1 and len(known[0]) >= 4 and len(kept) >= 2):
        return list(dict.fromkeys(kept))
    return None


def _containment(scores: np.ndarray, space: _KeySpace, query: str, offset: float,
                 min_part: int, query_bounds: tuple[int, ...] | None = None,
                 not_prefix: float = 0.0) -> None:
    """Exact and substring matches of ``query`` on one key space, into ``scores``:
    the query inside a phrase key 95..100 (100 equal; ``not_prefix`` off when not at the key's
    start), a phrase key (``min_part`` or longer) inside the query 80..95 — minus ``offset``."""
    size = len(query)
    pids, at_start = space.contained(query)
    if pids.size:
        values = 95.0 + 5.0 * size / space.lengths[pids] - offset
        if not_prefix:
            values -= np.where(at_start, 0.0, not_prefix)
        np.maximum.at(scores, pids, values)
    if size <= min_part:
        return
    starts = range(size) if query_bounds is None else query_bounds
    ends = None if query_bounds is None else frozenset((*query_bounds, size))
    for start in starts:
        for end in range(start + min_part, min(size, start + space.max_len) + 1):
            if end - start == size or (ends is not None and end not in ends):
                continue
            found = space.lookup.get(query[start:end])
            if found:
                _add(scores, found, 80.0 + 15.0 * (end - start) / size - offset)


def _fuzzy(scores: np.ndarray, space: _KeySpace, query: str, threshold: float, factor: float,
           partial: bool = True) -> None:
    """Typo tolerance: rapidfuzz ratio (and partial_ratio against longer keys) over the key
    array, from ``threshold`` up, times ``factor``."""
    raw = process.cdist([query], space.keys, scorer=fuzz.ratio, score_cutoff=threshold,
                        dtype=np.float32)[0].astype(np.float64)
    if partial:
        part = process.cdist([query], space.keys, scorer=fuzz.partial_ratio,
                             score_cutoff=threshold, dtype=np.float32)[0]
        part[space.lengths < len(query)] = 0.0
        raw = np.maximum(raw, part)
    np.maximum(scores, raw * factor, out=scores)


def _homophones(scores: np.ndarray, tables: _Tables, keys: TextKeys) -> None:
    """Pinyin containment for a Chinese term (5 points off): "分尘防爆" finds "粉尘防爆". The
    phrase must share characters with the term (at least one, and half of a term of four or
    more), so that a homophone across words ("液氨" ~ "作业安全") does not count."""
    found = np.zeros_like(scores)
    _containment(found, tables.pinyin, keys.pinyin, 5.0, 4, _syllable_starts(keys))
    chars = set(keys.compact)
    need = max(1, len(keys.compact) // 2)
    for pid in np.flatnonzero(found).tolist():
        if len(chars.intersection(tables.compact.keys[pid])) >= need:
            scores[pid] = max(scores[pid], found[pid])


def _score_variant(tables: _Tables, variant: _Variant) -> np.ndarray:
    """Scores of every phrase for one variant of a term (0..100, before MIN_SCORE)."""
    keys = variant.keys
    scores = np.zeros(len(tables.compact.keys), np.float64)
    if variant.kind == "text" and variant.part:
        # the rewritten term inside a phrase, or close to one; a phrase inside the rewritten term
        # would only be the substituted synonym or the untouched rest of the term
        _containment(scores, tables.compact, keys.compact, 0.0, len(keys.compact))
        _fuzzy(scores, tables.compact, keys.compact, 70.0, 0.9, partial=False)
    elif variant.kind == "text":
        text = keys.compact
        _containment(scores, tables.compact, text, 0.0, 2)
        if variant.primary:
            if len(text) >= 3:
                _fuzzy(scores, tables.compact, text, 70.0 if len(text) >= 4 else 66.0, 0.9)
            if len(text) >= 2 and not text.isascii():      # homophones
                _homophones(scores, tables, keys)
    elif variant.kind == "pinyin":
        letters = keys.compact
        _containment(scores, tables.pinyin, letters, 2.0, 4, not_prefix=NOT_PREFIX)
        if len(letters) >= 6:
            _fuzzy(scores, tables.pinyin, letters, 85.0, 0.85)
        if _NOT_AN_INITIAL.isdisjoint(letters):             # "an", "yxkj"-like: initials too
            _containment(scores, tables.initials, letters, 8.0, 3, not_prefix=NOT_PREFIX)
    else:
        letters = keys.compact
        _containment(scores, tables.initials, letters, 5.0, 3, not_prefix=NOT_PREFIX)
        if len(letters) >= 5:
            _fuzzy(scores, tables.initials, letters, 80.0, 0.8, partial=False)
    if variant.weight != 1.0:
        scores *= variant.weight
    return scores
