"""Expert matching index at 100,000 experts: build time, memory of the index, and the time of one
query (median, p95) over ~200 varied queries (exact, typos, homophones, traditional characters,
full pinyin, initials, synonyms, several terms) — against a plain rapidfuzz ``process.extract``
with ``WRatio`` over every expert's joined skill string for the same queries.

Run: .venv/bin/python bench/experts_search.py [experts]
(targets: build ≤ 20 s, index ≤ 500 MB, query median ≤ 10 ms and p95 ≤ 30 ms)
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

from opencc import OpenCC
from rapidfuzz import fuzz, process

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from enforcement.core import text
from enforcement.experts.matching import ExpertIndex, load_synonyms

# Domain vocabulary: topics × aspects gives the distinct phrases experts write.
TOPICS = [
    "粉尘防爆", "涉爆粉尘", "铝镁粉尘", "木材加工粉尘", "粮食加工粉尘", "除尘系统", "金属粉尘",
    "有限空间作业", "受限空间", "密闭空间作业", "中毒窒息防护", "气体检测",
    "液氨制冷系统", "涉氨制冷", "氨制冷机房", "冷库", "液氨储罐",
    "危险化学品储存", "危险化学品经营", "危险化学品运输", "危险化工工艺", "化工过程",
    "重大危险源", "加油加气站", "易燃易爆场所", "安全仪表系统", "精细化工反应",
    "冶金煤气", "钢铁冶炼", "高温熔融金属", "转炉炼钢", "轧钢", "铸造", "有色金属冶炼",
    "非煤矿山", "尾矿库", "露天矿山边坡", "地下矿山通风", "爆破作业", "民用爆炸物品",
    "烟花爆竹生产", "烟花爆竹储存", "防雷防静电",
    "电气", "防爆电气", "供配电系统", "临时用电", "电气火灾防控", "高压电气试验",
    "起重机械", "压力容器", "压力管道", "锅炉", "电梯", "叉车", "气瓶充装", "特种设备",
    "消防", "火灾自动报警系统", "消防设施", "建筑防火", "仓库防火",
    "职业卫生", "职业病危害", "噪声防护", "化学毒物", "个体防护装备",
    "应急救援", "应急预案", "应急演练", "事故调查", "隐患排查治理", "双重预防机制",
    "安全生产标准化", "风险分级管控", "机械伤害防护", "冲压设备", "涂装作业", "动火作业",
    "高处作业", "吊装作业", "纺织企业", "建材企业", "水泥窑", "食品加工",
]
ASPECTS = ["", "安全", "管理", "安全管理", "检查", "评估", "技术"]
VARIANTS = [  # how the same phrase is sometimes written
    lambda s: s[:2] + " " + s[2:], lambda s: s + "（专项）", lambda s: OpenCC("s2t").convert(s),
]
HOMOPHONES = {"爆": "暴", "尘": "陈", "限": "线", "空": "控", "氨": "安", "制": "治", "冷": "泠",
              "危": "微", "险": "显", "化": "话", "品": "频", "煤": "没", "气": "器", "冶": "也",
              "金": "今", "压": "鸭", "力": "立", "容": "荣", "器": "气", "防": "房", "全": "权",
              "职": "直", "业": "页", "卫": "为", "生": "升", "消": "销", "电": "店", "锅": "郭",
              "炉": "卢", "矿": "旷", "库": "酷", "管": "馆", "理": "里", "检": "捡", "查": "茶"}
LOOK_ALIKE = "瀑问吕戒刀土埋铳缓竺涧泠厍"


def phrases(rng: random.Random) -> list[str]:
    base = [t + a for t in TOPICS for a in ASPECTS if len(t + a) <= 10]
    rng.shuffle(base)
    base = base[:400]
    variants = [rng.choice(VARIANTS)(p) for p in rng.sample(base, 60)]
    return base + variants


def experts(count: int, pool: list[str], rng: random.Random) -> list[tuple[int, list[str]]]:
    weights = [1.0 / (1 + i) ** 0.6 for i in range(len(pool))]   # some phrases are common
    return [(i + 1, list(dict.fromkeys(rng.choices(pool, weights, k=rng.randint(3, 8)))))
            for i in range(count)]


def queries(pool: list[str], rng: random.Random) -> list[tuple[str, str]]:
    s2t = OpenCC("s2t")
    members = [t for g in load_synonyms().groups for t in g]
    plain = pool[:400]
    out: list[tuple[str, str]] = []
    for _ in range(25):
        p = rng.choice(plain)
        at = rng.randrange(len(p))
        kinds = {
            "exact": p,
            "typo": p[:at] + rng.choice(LOOK_ALIKE) + p[at + 1:],
            "homophone": "".join(HOMOPHONES.get(c, c) if i == at or c in "爆氨煤" else c
                                 for i, c in enumerate(p)),
            "traditional": s2t.convert(p),
            "pinyin": text.pinyin_key(p[:6]),
            "initials": text.initials_key(p),
            "synonym": rng.choice(members),
            "multi": " ".join(rng.sample(plain, rng.choice((2, 2, 3)))),
        }
        out.extend((kind, q) for kind, q in kinds.items())
    return out


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    rng = random.Random(2026)
    pool = phrases(rng)
    data = experts(count, pool, rng)
    synonyms = load_synonyms()
    text.warm_up()

    gc.collect()
    start = time.perf_counter()
    index = ExpertIndex.build(data, synonyms)
    build = time.perf_counter() - start
    index.search("热身")       # lays out the phrase tables once

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    measured = ExpertIndex.build(data, synonyms)
    measured.search("热身")
    gc.collect()
    memory = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del measured

    print(f"expert index: {index.size:,} experts, {index.phrase_count:,} distinct phrases "
          f"({sum(len(s) for _, s in data):,} skills)")
    print(f"  build {build:.2f} s (target ≤ 20 s);  memory of the index {memory / 2**20:.1f} MB "
          f"(tracemalloc: Python and numpy allocations still held after a second build; "
          f"target ≤ 500 MB)")

    qs = queries(pool, rng)
    times: dict[str, list[float]] = {}
    all_times = []
    for kind, q in qs:
        t0 = time.perf_counter()
        index.search(q, limit=20)
        elapsed = time.perf_counter() - t0
        times.setdefault(kind, []).append(elapsed)
        all_times.append(elapsed)
    all_times.sort()
    p95 = all_times[int(0.95 * len(all_times)) - 1]
    median = statistics.median(all_times)
    print(f"  {len(qs)} queries: median {ms(median)}   p95 {ms(p95)}   max {ms(all_times[-1])}"
          f"   (targets ≤ 10 ms, ≤ 30 ms)")
    for kind, values in times.items():
        print(f"    {kind:<11} median {ms(statistics.median(values))}   max {ms(max(values))}")

    joined = ["、".join(skills) for _, skills in data]
    baseline = []
    for _kind, q in qs:
        t0 = time.perf_counter()
        process.extract(q, joined, scorer=fuzz.WRatio, limit=20)
        baseline.append(time.perf_counter() - t0)
    base_median = statistics.median(baseline)
    print(f"  plain process.extract(WRatio) over {len(joined):,} joined skill strings: "
          f"median {ms(base_median)}  → the index is {base_median / median:.0f}× faster "
          f"(median vs median)")


if __name__ == "__main__":
    main()
