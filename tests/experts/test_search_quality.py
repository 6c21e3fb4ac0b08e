"""Search quality of the expert index on a fixed pool: top-1 and top-3 accuracy over labelled
queries (typos, homophones, traditional characters, full pinyin, initials, synonyms, several
skills at once).

The labels say which experts are a right answer by what their skills MEAN, decided from the pool
below, not from what the engine returns: for a query about one expertise, every expert who has
that expertise (in any wording) is a right answer; for a query about several, every expert who
has all of them.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from enforcement.experts.matching import ExpertIndex, load_synonyms

# id → (name, skills)
POOL: dict[int, tuple[str, list[str]]] = {
    # 冶金工贸
    1: ("张建国", ["冶金煤气安全", "高温熔融金属吊运", "钢铁冶炼安全", "起重机械",
                  "有限空间作业安全"]),
    2: ("李卫东", ["冶金安全生产标准化", "煤气防护", "转炉炼钢工艺", "除尘系统"]),
    3: ("王志强", ["有色金属冶炼", "铝镁粉尘防爆", "熔融金属作业", "电气安全"]),
    4: ("刘海燕", ["铸造安全", "熔融金属吊运", "机械防护", "职业卫生"]),
    5: ("陈明", ["轧钢安全", "冶金煤气", "压力管道", "隐患排查治理"]),
    # 危险化学品
    6: ("赵丽华", ["危险化学品储存", "重大危险源管理", "化工工艺安全", "安全评价"]),
    7: ("孙国庆", ["危险化学品经营", "加油加气站", "易燃易爆场所防火", "应急预案编制"]),
    8: ("周晓梅", ["化工自动化控制", "危险化工工艺", "安全仪表系统", "重大危险源辨识",
                  "防爆电气"]),
    9: ("吴振华", ["危险化学品运输", "气瓶充装", "压力容器", "泄漏应急处置"]),
    10: ("郑红", ["精细化工反应风险评估", "化工过程安全管理", "危险化学品储存",
                 "双重预防机制"]),
    # 非煤矿山
    11: ("冯志刚", ["非煤矿山安全", "尾矿库安全", "爆破作业", "露天矿山边坡"]),
    12: ("何建平", ["地下矿山通风", "井下开采", "矿山提升运输", "中毒窒息防护"]),
    13: ("许文", ["露天采场", "爆破器材管理", "尾矿坝稳定性", "矿山机电"]),
    # 烟花爆竹
    14: ("罗春生", ["烟花爆竹生产安全", "防火防爆", "民用爆炸物品", "静电防护"]),
    15: ("高美玲", ["烟花爆竹储存", "烟花爆竹经营", "消防安全管理"]),
    # 粉尘防爆
    16: ("林峰", ["粉尘防爆", "除尘系统", "铝镁粉尘", "电气安全"]),
    17: ("黄晓军", ["粉尘爆炸防护", "木材加工粉尘", "粉尘清扫制度", "防雷防静电"]),
    18: ("梁静", ["涉爆粉尘专项治理", "粮食加工粉尘", "有限空间作业安全", "职业卫生"]),
    19: ("宋宏伟", ["金属粉尘防爆", "抛光打磨", "湿式除尘", "机械安全"]),
    # 涉氨制冷
    20: ("唐国华", ["液氨制冷系统", "涉氨制冷安全", "压力容器", "应急救援"]),
    21: ("韩冰", ["氨制冷机房管理", "冷库安全", "有毒气体检测报警", "中毒窒息防护"]),
    22: ("曹俊", ["液氨储罐", "压力管道", "危险化学品储存", "应急预案编制"]),
    # 有限空间
    23: ("邓文斌", ["有限空间作业安全", "中毒窒息防护", "气体检测", "应急救援"]),
    24: ("彭丽", ["受限空间作业管理", "污水处理安全", "危险作业审批"]),
    25: ("曾志远", ["密闭空间作业", "通风换气", "个体防护装备", "职业卫生"]),
    # 电气
    26: ("肖华", ["电气安全", "供配电系统", "防爆电气", "防雷检测"]),
    27: ("田野", ["低压电气", "临时用电管理", "电气火灾防控", "消防安全管理"]),
    28: ("袁伟", ["高压电气试验", "变配电室", "继电保护"]),
    # 特种设备
    29: ("潘强", ["起重机械", "吊装作业", "特种设备安全管理", "钢丝绳检验"]),
    30: ("董丽娟", ["压力容器", "锅炉安全", "压力管道", "气瓶"]),
    31: ("蒋涛", ["电梯安全", "叉车", "场内机动车辆", "特种设备检验"]),
    32: ("蔡明亮", ["锅炉水处理", "蒸汽锅炉", "压力容器定期检验"]),
    # 消防
    33: ("余红梅", ["消防安全管理", "火灾自动报警系统", "消防设施检测", "应急疏散"]),
    34: ("杜建华", ["建筑防火", "防火分区", "灭火器配置", "消防安全评估"]),
    35: ("叶青", ["仓库防火", "电气火灾防控", "消防安全管理", "应急演练"]),
    # 职业卫生
    36: ("程芳", ["职业卫生", "职业病危害评价", "噪声防护", "粉尘危害治理"]),
    37: ("魏晓燕", ["职业健康监护", "化学毒物检测", "个体防护装备"]),
    38: ("苏建军", ["职业病防治", "放射卫生", "职业卫生检测"]),
    # 应急救援、综合
    39: ("吕强", ["应急救援", "应急预案编制", "事故救援指挥", "危险化学品泄漏处置"]),
    40: ("丁海", ["应急演练评估", "救援装备", "有限空间救援"]),
    41: ("任志刚", ["事故调查分析", "应急管理", "安全生产法律法规"]),
    42: ("沈洁", ["安全生产标准化", "双重预防机制", "隐患排查治理", "风险分级管控"]),
    43: ("姚军", ["安全评价", "安全评估", "风险评估", "重大危险源管理"]),
    44: ("卢斌", ["安全生产法律法规", "行政执法", "事故调查"]),
    45: ("姜伟", ["机械安全", "冲压设备", "机械伤害防护", "安全联锁"]),
    46: ("崔磊", ["涂装作业安全", "喷漆房防爆", "有机溶剂", "通风除尘"]),
    47: ("钟华", ["纺织企业安全", "棉尘防爆", "电气安全", "消防安全管理"]),
    48: ("谭伟", ["建材企业安全", "水泥窑", "有限空间作业安全", "高处作业"]),
    # several groups at once
    49: ("陆敏", ["食品加工安全", "涉氨制冷安全", "冷库安全", "有限空间作业安全"]),
    50: ("汪洋", ["粉尘防爆", "有限空间作业安全", "涉氨制冷安全", "安全生产标准化"]),
    51: ("范志勇", ["动火作业", "高处作业", "吊装作业", "临时用电管理"]),
    52: ("金鑫", ["冶金煤气安全", "有限空间作业安全", "中毒窒息防护"]),
    53: ("石磊", ["危险化学品储存", "粉尘防爆", "消防安全管理"]),
    54: ("廖凯", ["起重机械", "冶金安全", "熔融金属吊运"]),
    55: ("邹平", ["职业卫生", "粉尘危害治理", "有限空间作业安全"]),
    56: ("熊伟", ["烟花爆竹生产安全", "危险化学品储存", "防雷防静电"]),
    57: ("孟凡", ["非煤矿山安全", "爆破作业", "民用爆炸物品", "应急救援"]),
    58: ("秦朗", ["压力容器", "液氨制冷系统", "危险化学品储存"]),
    59: ("邱红", ["电气安全", "防爆电气", "粉尘防爆"]),
    60: ("白雪", ["消防安全管理", "电气火灾防控", "应急预案编制", "职业卫生"]),
}

# Who has an expertise, in any wording (read off the pool above).
DUST = {3, 16, 17, 18, 19, 47, 50, 53, 59}                  # 粉尘防爆
CONFINED = {1, 18, 23, 24, 25, 40, 48, 49, 50, 52, 55}      # 有限空间
AMMONIA = {20, 21, 22, 49, 50, 58}                           # 涉氨制冷 / 液氨
HAZCHEM = {6, 7, 8, 9, 10, 22, 39, 53, 56, 58}               # 危险化学品
STEEL = {1, 2, 5, 52, 54}                                    # 冶金（钢铁）
GAS = {1, 2, 5, 52}                                          # 煤气
MOLTEN = {1, 3, 4, 54}                                       # 熔融金属
LIFTING = {1, 29, 54}                                        # 起重机械
PRESSURE = {9, 20, 30, 32, 58}                               # 压力容器
SPECIAL = {29, 30, 31, 32, 5, 22} | LIFTING | PRESSURE      # 特种设备 and its kinds
ELECTRICAL = {3, 16, 26, 27, 28, 47, 59}                     # 电气安全
EX_PROOF = {8, 26, 59}                                       # 防爆电气
FIRE = {15, 27, 33, 34, 35, 47, 53, 60}                      # 消防
FIRE_PREVENTION = FIRE | {7, 14, 34, 35}                     # 防火
OCCUPATIONAL = {4, 18, 25, 36, 37, 38, 55, 60}               # 职业卫生
RESCUE = {20, 23, 39, 40, 57}                                # 应急救援
MINES = {11, 12, 13, 57}                                     # 非煤矿山
TAILINGS = {11, 13}                                          # 尾矿库
FIREWORKS = {14, 15, 56}                                     # 烟花爆竹
CIVIL_EXPLOSIVES = {13, 14, 57}                              # 民用爆炸物品
MAJOR_HAZARD = {6, 8, 43}                                    # 重大危险源
POISONING = {12, 21, 23, 52}                                 # 中毒窒息
BOILER = {30, 32}                                            # 锅炉
ANY_DUST = DUST | {36, 55}                                   # anything about 粉尘

# (kind, query, right answers)
QUERIES: list[tuple[str, str, set[int]]] = [
    ("exact", "粉尘防爆", DUST),
    ("exact", "液氨制冷", AMMONIA),
    ("exact", "尾矿库", TAILINGS),
    ("exact", "职业卫生", OCCUPATIONAL),
    ("exact", "重大危险源", MAJOR_HAZARD),
    ("exact", "熔融金属", MOLTEN),
    ("exact", "锅炉", BOILER),
    ("exact", "叉车", {31}),
    ("exact", "爆破", {11, 13, 57}),
    ("exact", "起重", LIFTING),
    # typos: a wrong character that looks alike or a missing one
    ("typo", "粉尘防瀑", DUST),
    ("typo", "有限空问", CONFINED),
    ("typo", "危险化学吕", HAZCHEM),
    ("typo", "冶金煤安全", GAS),
    ("typo", "起重机戒", LIFTING),
    ("typo", "压刀容器", PRESSURE),
    ("typo", "职业卫土", OCCUPATIONAL),
    ("typo", "消防安全管埋", FIRE),
    ("typo", "液氨制冷系铳", AMMONIA),
    ("typo", "应急救缓", RESCUE),
    ("typo", "烟花爆竺", FIREWORKS),
    ("typo", "有限空涧作业", CONFINED),
    ("typo", "涉氨制泠", AMMONIA),
    # homophones: the same pinyin, the wrong character (what a pinyin IME produces)
    ("homophone", "分尘防爆", DUST),
    ("homophone", "有线空间", CONFINED),
    ("homophone", "液安制冷", AMMONIA),
    ("homophone", "危险化学频", HAZCHEM),
    ("homophone", "冶金没气", GAS),
    ("homophone", "起重机谐", LIFTING),
    ("homophone", "压力荣器", PRESSURE),
    ("homophone", "职业卫升", OCCUPATIONAL),
    ("homophone", "消防按全", FIRE),
    ("homophone", "非煤旷山", MINES),
    ("homophone", "烟花爆烛", FIREWORKS),
    ("homophone", "重大危险元", MAJOR_HAZARD),
    ("homophone", "涉安制冷", AMMONIA),
    ("homophone", "防暴电气", EX_PROOF),
    # traditional characters
    ("traditional", "粉塵防爆", DUST),
    ("traditional", "有限空間", CONFINED),
    ("traditional", "液氨製冷", AMMONIA),
    ("traditional", "危險化學品", HAZCHEM),
    ("traditional", "冶金煤氣", GAS),
    ("traditional", "起重機械", LIFTING),
    ("traditional", "壓力容器", PRESSURE),
    ("traditional", "職業衛生", OCCUPATIONAL),
    ("traditional", "應急救援", RESCUE),
    ("traditional", "煙花爆竹", FIREWORKS),
    ("traditional", "電氣安全", ELECTRICAL),
    ("traditional", "尾礦庫", TAILINGS),
    # full pinyin
    ("pinyin", "fenchenfangbao", DUST),
    ("pinyin", "youxiankongjian", CONFINED),
    ("pinyin", "yeanzhileng", AMMONIA),
    ("pinyin", "weixianhuaxuepin", HAZCHEM),
    ("pinyin", "meiqi", GAS),
    ("pinyin", "qizhongjixie", LIFTING),
    ("pinyin", "yalirongqi", PRESSURE),
    ("pinyin", "zhiyeweisheng", OCCUPATIONAL),
    ("pinyin", "xiaofanganquan", FIRE),
    ("pinyin", "weikuangku", TAILINGS),
    ("pinyin", "yanhuabaozhu", FIREWORKS),
    ("pinyin", "dianqianquan", ELECTRICAL),
    ("pinyin", "youxiankongjianzuoye", CONFINED),
    ("pinyin", "guolu", BOILER),
    ("pinyin", "fenchen", ANY_DUST),
    # pinyin initials
    ("initials", "fcfb", DUST),
    ("initials", "yxkj", CONFINED),
    ("initials", "wxhxp", HAZCHEM),
    ("initials", "zyws", OCCUPATIONAL),
    ("initials", "qzjx", LIFTING),
    ("initials", "ylrq", PRESSURE),
    ("initials", "xfaq", FIRE),
    ("initials", "yhbz", FIREWORKS),
    ("initials", "fmks", MINES),
    ("initials", "zdwxy", MAJOR_HAZARD),
    ("initials", "yjjy", RESCUE),
    ("initials", "wkk", TAILINGS),
    ("initials", "sazl", AMMONIA),
    ("initials", "zdzx", POISONING),
    # synonyms (the pool says it another way)
    ("synonym", "涉爆粉尘", DUST),
    ("synonym", "受限空间", CONFINED),
    ("synonym", "密闭空间", CONFINED),
    ("synonym", "液氨", AMMONIA),
    ("synonym", "氨制冷", AMMONIA),
    ("synonym", "危化品", HAZCHEM),
    ("synonym", "危险品", HAZCHEM),
    ("synonym", "钢铁冶炼", STEEL),
    ("synonym", "特种设备", SPECIAL),
    ("synonym", "职业健康", OCCUPATIONAL),
    ("synonym", "用电安全", ELECTRICAL),
    ("synonym", "防火", FIRE_PREVENTION),
    ("synonym", "民爆物品", CIVIL_EXPLOSIVES),
    ("synonym", "花炮", FIREWORKS),
    ("synonym", "承压设备", PRESSURE),
    ("synonym", "有毒有害气体", POISONING),
    ("synonym", "起重设备", LIFTING),
    ("synonym", "高空作业", {48, 51}),
    # several skills: right answers have all of them
    ("multi", "粉尘防爆 有限空间", DUST & CONFINED),
    ("multi", "液氨 有限空间", AMMONIA & CONFINED),
    ("multi", "冶金煤气 有限空间", GAS & CONFINED),
    ("multi", "危险化学品储存 粉尘防爆", {53}),
    ("multi", "压力容器 液氨制冷", PRESSURE & AMMONIA),
    ("multi", "电气安全 防爆电气", ELECTRICAL & EX_PROOF),
    ("multi", "起重机械 熔融金属", LIFTING & MOLTEN),
    ("multi", "消防安全管理、电气火灾防控", {27, 35, 60}),
    ("multi", "职业卫生，有限空间", OCCUPATIONAL & CONFINED),
    ("multi", "非煤矿山 爆破作业", {11, 57}),
    ("multi", "烟花爆竹 危险化学品储存", {56}),
    ("multi", "粉尘防爆有限空间", DUST & CONFINED),
    ("multi", "应急救援 有限空间", RESCUE & CONFINED),
    ("multi", "粉尘防爆 电气安全", DUST & ELECTRICAL),
    ("multi", "fcfb yxkj", DUST & CONFINED),
    ("multi", "液氨製冷 受限空间", AMMONIA & CONFINED),
    ("multi", "yxkj zdzx", CONFINED & POISONING),
    ("multi", "粉尘防爆和有限空间", DUST & CONFINED),
]


@pytest.fixture(scope="module")
def index() -> ExpertIndex:
    return ExpertIndex.build(((i, skills) for i, (_name, skills) in POOL.items()),
                             load_synonyms())


def test_labels_are_sound():
    assert len(POOL) >= 60 and len(QUERIES) >= 60
    kinds = defaultdict(int)
    for kind, query, right in QUERIES:
        assert right and right <= POOL.keys(), query
        kinds[kind] += 1
    for kind in ("typo", "homophone", "traditional", "pinyin", "initials", "synonym", "multi"):
        assert kinds[kind] >= 10, kind


def test_top1_and_top3_accuracy(index):
    top1 = top3 = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    misses = []
    for kind, query, right in QUERIES:
        ids = [hit.expert_id for hit in index.search(query, limit=3)]
        first = bool(ids) and ids[0] in right
        among = any(i in right for i in ids)
        top1 += first
        top3 += among
        counts = by_kind[kind]
        counts[0] += 1
        counts[1] += first
        counts[2] += among
        if not first:
            misses.append(f"  {kind:<11} {query!r}: got {ids}, want any of {sorted(right)}")
    n = len(QUERIES)
    print(f"\nexpert search quality over {n} queries: top-1 {top1 / n:.3f}, top-3 {top3 / n:.3f}")
    for kind, (total, first, among) in by_kind.items():
        print(f"  {kind:<11} {total:3d} queries  top-1 {first / total:.2f}"
              f"  top-3 {among / total:.2f}")
    if misses:
        print("not first:\n" + "\n".join(misses))
    assert top1 / n >= 0.90
    assert top3 / n >= 0.98
