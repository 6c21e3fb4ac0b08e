"""Chinese text keys for search: one normalised form of a string and the keys derived from it.

Officers type enterprise names and expert skills in many ways: full-width letters, traditional
characters, full pinyin, pinyin initials, stray spaces and punctuation. :func:`search_keys`
builds, once per string, the keys a search index stores and a query is matched against:

========== ============================ ==========================================================
key        "粉塵·防爆（A級）"          how
========== ============================ ==========================================================
normalized ``粉尘 防爆 a级``            NFKC, traditional → simplified, lower case, punctuation
                                        and whitespace runs → one space, controls removed
compact    ``粉尘防爆a级``              ``normalized`` without spaces
pinyin     ``fenchenfangbaoaji``        toneless pinyin of ``compact``, no separator; ü is "v"
initials   ``fcfbaj``                   first letter of each syllable (zh/ch/sh → z/c/s)
========== ============================ ==========================================================

Characters other than Chinese ones (Latin letters, digits, other scripts' letters) pass through
``pinyin`` and ``initials`` unchanged, one character each — so a model number or grade keeps
every character in the initials key ("A级" → "aj", "3号库" → "3hk"), and ``initials`` always has
exactly one character per character of ``compact``. Chinese characters pypinyin has no reading
for also pass through as themselves.

Heteronyms (多音字) are fixed by the phrase table in ``data/pinyin_phrases.toml``, registered
with pypinyin once, before the first pinyin key is built (this changes pypinyin's phrase
dictionary for the whole process). Surnames with special readings at the start of a person's
name (曾 zēng, 仇 qiú, 单 shàn …) are out of scope.

The OpenCC converter and the phrase table are loaded lazily (the first call pays a few tens of
milliseconds); call :func:`warm_up` at start-up to pay it there instead.
"""

from __future__ import annotations

import threading
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from opencc import OpenCC
from pypinyin import Style, lazy_pinyin, load_phrases_dict
from pypinyin.constants import RE_HANS

__all__ = [
    "TextKeys",
    "compact",
    "initials_key",
    "looks_like_initials",
    "looks_like_pinyin",
    "normalize",
    "pinyin_key",
    "search_keys",
    "warm_up",
]

PHRASES_FILE = Path(__file__).with_name("data") / "pinyin_phrases.toml"

# Toneless syllables pypinyin produces (pypinyin 0.55.0, Style.NORMAL, ü written "v"), without
# the consonant-only interjections m, n, ng, hm, hng and ê. Used to tell initials from pinyin.
_SYLLABLES = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong
bu ca cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong
chou chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai
dan dang dao de dei den deng di dia dian diao die din ding diu dong dou du duan dui dun
duo e ei en eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei
gen geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng
hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong
jiu ju juan jue jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang
kui kun kuo la lai lan lang lao le lei len leng li lia lian liang liao lie lin ling liu
lo long lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie
min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nia nian niang niao nie
nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao pei pen peng pi
pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan
que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao
se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan
shuang shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te tei teng ti
tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wong wu
xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin
ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang
zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi
zong zou zu zuan zui zun zuo
""".split())
_LONGEST_SYLLABLE = max(map(len, _SYLLABLES))
_NOT_AN_INITIAL = frozenset("iuv")  # no syllable starts with these letters
_INTERJECTIONS = frozenset({"m", "n", "ng", "hm", "hng"})  # valid readings, never typed


@dataclass(frozen=True, slots=True)
class TextKeys:
    """The search keys of one string (see the module docstring for each key)."""

    normalized: str
    compact: str
    pinyin: str
    initials: str


# --- normalisation --------------------------------------------------------------------------


class _CharClasses(dict[int, str]):
    """``str.translate`` table, filled on first sight of each character: letters and digits (any
    script) stay, whitespace and punctuation/symbols become a space, and control/format/private
    characters and stray combining marks are removed. Capped so hostile input cannot grow it
    without bound (characters past the cap are classified each time)."""

    _CAP = 50_000

    def __missing__(self, codepoint: int) -> str:
        char = chr(codepoint)
        if char.isalnum():
            replacement = char
        elif char.isspace():
            replacement = " "
        elif unicodedata.category(char)[0] in "CM":
            replacement = ""
        else:
            replacement = " "
        if len(self) < self._CAP:
            self[codepoint] = replacement
        return replacement


_CHAR_CLASSES = _CharClasses()
_converter_lock = threading.Lock()
_phrases_lock = threading.Lock()
_converter: OpenCC | None = None
_phrases_loaded = False


def _t2s() -> OpenCC:
    """The one traditional → simplified converter, built on first use."""
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                converter = OpenCC("t2s")
                converter.convert("")  # finish loading its dictionaries before publishing it
                _converter = converter
    return _converter


def _to_simplified(text: str) -> str:
    """Traditional → simplified, repeated until stable. One pass is not always enough: OpenCC
    converts some phrases but keeps a character that it converts when it stands alone (乾縣 →
    乾县 → 干县); iterating makes a traditional and a simplified spelling meet on one key."""
    converter = _t2s()
    for _ in range(4):
        converted = converter.convert(text)
        if converted == text:
            break
        text = converted
    return text


def normalize(text: str) -> str:
    """The canonical form of ``text`` for searching.

    Unicode NFKC (full-width ASCII → half-width, the ideographic space → a space, compatibility
    ideographs and Kangxi radicals → unified ideographs), lower case, traditional → simplified
    (OpenCC t2s), letters and digits of any script kept, punctuation, symbols and whitespace
    turned into single spaces, control and format characters (e.g. U+0000, zero-width space)
    removed, stripped. ``"粉尘·防爆（涉爆）"`` → ``"粉尘 防爆 涉爆"``. Idempotent.

    :raises TypeError: ``text`` is not a ``str`` (``None`` included).
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize() expects str, not {type(text).__name__}")
    if text.isascii():
        text = text.lower().translate(_CHAR_CLASSES)
    else:
        text = unicodedata.normalize("NFKC", text).lower().translate(_CHAR_CLASSES)
        if not text.isascii():
            # Removing controls and marks can bring composable characters together (Hangul jamo).
            text = _to_simplified(unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def compact(text: str) -> str:
    """:func:`normalize` without spaces: the key a search matches Chinese text against."""
    return normalize(text).replace(" ", "")


# --- pinyin ---------------------------------------------------------------------------------


def _toneless(syllable: str) -> str:
    """``"lǜ"`` → ``"lv"``, ``"cháng"`` → ``"chang"``: pypinyin's Style.NORMAL spelling."""
    decomposed = unicodedata.normalize("NFD", syllable).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def _phrase_overrides() -> dict[str, list[str]]:
    """The phrase table from :data:`PHRASES_FILE`: phrase → toned syllables, checked.

    :raises ValueError: an entry is not Chinese characters with one known syllable each.
    """
    with PHRASES_FILE.open("rb") as f:
        table = tomllib.load(f).get("phrases", {})
    phrases: dict[str, list[str]] = {}
    for phrase, syllables in table.items():
        where = f"{PHRASES_FILE.name}: {phrase!r}"
        if not RE_HANS.match(phrase) or normalize(phrase) != phrase:
            raise ValueError(f"{where}: a phrase must be simplified Chinese characters")
        if not isinstance(syllables, list) or len(syllables) != len(phrase):
            raise ValueError(f"{where}: needs one syllable per character")
        for syllable in syllables:
            plain = _toneless(syllable) if isinstance(syllable, str) else ""
            if plain not in _SYLLABLES and plain not in _INTERJECTIONS:
                raise ValueError(f"{where}: {syllable!r} is not a pinyin syllable")
        phrases[phrase] = syllables
    return phrases


def _load_phrases() -> None:
    """Register the phrase table with pypinyin, once per process."""
    global _phrases_loaded
    if _phrases_loaded:
        return
    with _phrases_lock:
        if not _phrases_loaded:
            overrides = _phrase_overrides()
            load_phrases_dict({p: [[s] for s in syls] for p, syls in overrides.items()})
            _phrases_loaded = True


def _syllables(compact_text: str) -> list[str]:
    """One item per character of ``compact_text``: a toneless syllable for a Chinese character,
    the character itself otherwise."""
    if compact_text.isascii():
        return list(compact_text)
    _load_phrases()
    return lazy_pinyin(compact_text, style=Style.NORMAL, errors=list)


@lru_cache(maxsize=65536)
def search_keys(text: str) -> TextKeys:
    """All the keys of ``text`` in one pass (pinyin computed once, initials derived from it).

    Cached (the 65,536 most recent strings): indexing and repeated queries are cheap.

    :raises TypeError: ``text`` is not a ``str``.
    """
    normalized = normalize(text)
    compact_text = normalized.replace(" ", "")
    syllables = _syllables(compact_text)
    return TextKeys(
        normalized=normalized,
        compact=compact_text,
        pinyin="".join(syllables),
        initials="".join(s[0] for s in syllables if s),
    )


def pinyin_key(text: str) -> str:
    """Toneless full pinyin of the compact form, no separator: "粉尘防爆" → "fenchenfangbao"."""
    return search_keys(text).pinyin


def initials_key(text: str) -> str:
    """First letter of each syllable, other characters as they are: "粉尘防爆" → "fcfb",
    "A级企业" → "ajqy"."""
    return search_keys(text).initials


# --- which key a query should be matched against --------------------------------------------


def looks_like_pinyin(query: str) -> bool:
    """The query (compact form) is ASCII letters only, at least 2 of them: it may be full
    pinyin, initials or a Latin word — match it against ``pinyin`` (and, unless
    :func:`looks_like_initials` says it cannot be pinyin, ``initials`` too)."""
    key = compact(query)
    return len(key) >= 2 and key.isascii() and key.isalpha()


def _is_syllable_sequence(letters: str) -> bool:
    """Whether ``letters`` splits into whole pinyin syllables ("fenchen" yes, "fcfb" no)."""
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - _LONGEST_SYLLABLE), end):
            if reachable[start] and letters[start:end] in _SYLLABLES:
                reachable[end] = True
                break
    return reachable[-1]


def looks_like_initials(query: str) -> bool:
    """The query can only be pinyin initials: it :func:`looks like pinyin <looks_like_pinyin>`,
    every letter can start a syllable (no i, u or v), and it does not split into whole
    syllables — "fcfb", "zdwxy" yes; "fenchen" (pinyin), "an" (either) and "xian" no. Match it
    against ``initials`` only."""
    if not looks_like_pinyin(query):
        return False
    key = compact(query)
    return _NOT_AN_INITIAL.isdisjoint(key) and not _is_syllable_sequence(key)


def warm_up() -> None:
    """Build the OpenCC converter and register the phrase table now rather than on first use."""
    _t2s()
    _load_phrases()


def keys_for_many(names: list[str]) -> list[tuple[str, str, str]]:
    """(compact, pinyin, initials) for many names — the unit of work a helper process does
    while a large import is still being read."""
    return [(k.compact, k.pinyin, k.initials) for k in map(search_keys, names)]
