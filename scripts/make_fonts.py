"""Build the document fonts in static/fonts/ from Debian's fonts-noto-cjk collections.

    .venv/bin/python scripts/make_fonts.py [--source /usr/share/fonts/opentype/noto]

The .ttc collections hold one face per region and the first is Japanese, so each Simplified
Chinese face is found by its name table (family "Noto Serif CJK SC" / "Noto Sans CJK SC"), then:

- Noto Serif CJK SC Regular and Bold, Noto Sans CJK SC Bold: subset to GB 2312 (every valid
  two-byte sequence of Python's gb2312 codec: 7,445 characters, 6,763 of them hanzi) plus ASCII,
  full-width forms, 〇 and the punctuation and symbols enforcement documents use;
- Noto Sans CJK SC Regular: kept whole (every character of the SC cmap) as the fallback face for
  rare characters in names (喆, 𠮷, …).

All are written as OpenType/CFF with hinting removed (it only matters on screens at small sizes).
The script is deterministic: the same source fonts give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "fonts"
SOURCE = Path("/usr/share/fonts/opentype/noto")

# (output file, source collection, family, subfamily, subset to GB 2312?)
FACES = [
    ("NotoSerifCJKsc-Regular-GB2312.otf", "NotoSerifCJK-Regular.ttc",
     "Noto Serif CJK SC", "Regular", True),
    ("NotoSerifCJKsc-Bold-GB2312.otf", "NotoSerifCJK-Bold.ttc",
     "Noto Serif CJK SC", "Bold", True),
    ("NotoSansCJKsc-Bold-GB2312.otf", "NotoSansCJK-Bold.ttc",
     "Noto Sans CJK SC", "Bold", True),
    ("NotoSansCJKsc-Regular.otf", "NotoSansCJK-Regular.ttc",
     "Noto Sans CJK SC", "Regular", False),
]

# Beyond GB 2312: what documents print that the standard lacks, or holds only in one form.
EXTRAS = (
    "〇○●◎□■△▲◇◆☆★×√✓※→←↑↓"
    "，。、；：？！“”‘’（）《》〈〉〔〕【】〖〗「」『』—–―‐…·•‧・"
    "￥¥$€£°℃‰%№§±÷≤≥≠≈∶～〜"
    "㎡㎥㎏㎎㎞㎝㎜㏄²³¹"
    "ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ"
    "\u3000\u00a0\u2002\u2003"
)
RANGES = (
    (0x20, 0x7E),        # ASCII
    (0xFF01, 0xFF5E),    # full-width forms
    (0x2460, 0x2473),    # ①–⑳
    (0x2474, 0x2487),    # ⑴–⒇
    (0x2488, 0x249B),    # ⒈–⒛
    (0x3220, 0x3229),    # ㈠–㈩
    (0x3001, 0x3003),    # 、。〃
    (0x3008, 0x3011),    # 〈〉《》「」『』【】
    (0x3014, 0x3017),    # 〔〕〖〗
)


def gb2312() -> set[str]:
    """Every character of GB 2312: decode each valid two-byte sequence (rows 0xA1–0xF7)."""
    chars: set[str] = set()
    for high in range(0xA1, 0xFF):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def repertoire() -> set[int]:
    chars = gb2312() | set(EXTRAS)
    codepoints = {ord(c) for c in chars}
    for start, end in RANGES:
        codepoints.update(range(start, end + 1))
    return codepoints


def find_face(collection: Path, family: str, style: str) -> int:
    """Index of the face whose name table says `family` / `style` (nameID 1/2, or 16/17)."""
    faces = TTCollection(str(collection), lazy=True).fonts
    for index, face in enumerate(faces):
        names = face["name"]
        fam = names.getDebugName(16) or names.getDebugName(1)
        sub = names.getDebugName(17) or names.getDebugName(2)
        if fam == family and sub == style:
            return index
    found = [f["name"].getDebugName(4) for f in faces]
    raise SystemExit(f"{collection}: no face {family} {style} (faces: {found})")


def options(*, complete: bool) -> subset.Options:
    """Subsetting options. A GB 2312 subset drops `locl`, whose lookups only swap in the
    Japanese, Korean and Traditional forms (documents are zh-CN): 7,806 glyphs instead of 13,304.
    The complete face keeps every feature."""
    opts = subset.Options()
    opts.hinting = False           # drops CFF hints as well
    opts.desubroutinize = False    # subroutines keep CFF small
    opts.name_IDs = ["*"]          # keep copyright, licence and trademark notices (OFL §2)
    opts.name_languages = ["*"]
    opts.name_legacy = True
    opts.notdef_outline = True
    opts.glyph_names = False
    features = subset.Options().layout_features
    opts.layout_features = ["*"] if complete else [f for f in features if f != "locl"]
    opts.recalc_timestamp = False  # reproducible output
    opts.recalc_bounds = True
    return opts


def build(source: Path, out: Path) -> list[tuple[str, int, int, str]]:
    wanted = repertoire()
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for filename, collection, family, style, to_gb2312 in FACES:
        path = source / collection
        index = find_face(path, family, style)
        font = TTFont(str(path), fontNumber=index, lazy=False, recalcTimestamp=False)
        cmap = font.getBestCmap()
        unicodes = sorted(wanted & cmap.keys()) if to_gb2312 else sorted(cmap)
        missing = sorted(wanted - cmap.keys()) if to_gb2312 else []
        if missing:
            shown = "".join(chr(c) for c in missing[:40])
            print(f"  {filename}: {len(missing)} requested characters not in the face: {shown}",
                  file=sys.stderr)
        subsetter = subset.Subsetter(options(complete=not to_gb2312))
        subsetter.populate(unicodes=unicodes)
        subsetter.subset(font)
        target = out / filename
        font.save(str(target))
        data = target.read_bytes()
        rows.append((filename, len(data), len(unicodes), hashlib.sha256(data).hexdigest()[:16]))
        print(f"{filename}: face {index} of {collection}, {len(unicodes)} characters, "
              f"{font['maxp'].numGlyphs} glyphs, {len(data):,} bytes")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="folder with the fonts-noto-cjk .ttc files")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    build(args.source, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
