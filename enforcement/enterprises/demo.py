"""The demo county's registry: about 3,000 enterprises with valid credit codes (region 370830),
a realistic sector mix (mostly 商贸, then 机械/轻工/建材) and special-risk features."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from enforcement.core import clock
from enforcement.enterprises import importer, registry, service, uscc
from enforcement.enterprises.models import Enterprise
from enforcement.extensions import db

SEED = 370830
BRANDS = ("鑫达 华润 永兴 恒泰 宏达 金源 瑞丰 鲁汶 中都 运河 泰和 盛世 新华 福源 东方 广源 "
          "德信 润丰 天成 汇通 兴隆 嘉禾 正大 金鼎 银河 宝丰 长城 佳美 鸿运 康泰 信诚 安顺 "
          "昌盛 丰泽 华鲁 圣泉 龙腾 利民 中联 万和 腾达 荣昌 大通 聚源 振兴 同福 乐源 百川").split()
# sector → (share, industry codes, name words, organisation forms, employees range)
PROFILES = {
    "commerce": (0.55, ["F5211", "F5212", "F5221", "F5261", "F5291", "H6210", "H6110"],
                 ["商贸", "超市", "百货", "五金", "建材销售", "餐饮", "酒店", "农资", "家电"],
                 ["商贸有限公司", "有限公司", "商店", "经营部"], (2, 40)),
    "machinery": (0.13, ["C3311", "C3399", "C3411", "C3481", "C3670", "C3824", "C3360"],
                  ["机械", "机械制造", "铸造", "机电", "五金制品", "汽车配件", "农机"],
                  ["有限公司", "制造有限公司"], (8, 320)),
    "light_industry": (0.12, ["C1311", "C1431", "C2110", "C2231", "C2923", "C1391", "C2031"],
                       ["食品", "面粉", "包装", "家具", "木业", "纸业", "塑料制品", "粮油"],
                       ["有限公司", "股份有限公司"], (6, 260)),
    "building_materials": (0.08, ["C3021", "C3031", "C3099", "C3032", "C3011"],
                           ["水泥制品", "建材", "新型墙材", "石材", "混凝土", "保温材料"],
                           ["有限公司"], (10, 180)),
    "textile": (0.04, ["C1713", "C1810", "C1751", "C1819"],
                ["纺织", "服装", "棉业", "家纺"], ["有限公司"], (20, 400)),
    "hazardous_chemicals": (0.03, ["C2614", "C2619", "C2631", "C2662"],
                            ["化工", "精细化工", "化肥", "气体"], ["有限公司", "股份有限公司"],
                            (15, 500)),
    "metallurgy": (0.01, ["C3120", "C3130"], ["钢铁", "铸管", "特钢"], ["有限公司"], (50, 800)),
    "nonferrous": (0.01, ["C3216", "C3251"], ["铝业", "铜业", "合金"], ["有限公司"], (30, 400)),
    "other": (0.03, ["E4720", "D4411", "N7820", "G5431"],
              ["建筑", "热电", "环卫", "物流"], ["有限公司"], (10, 200)),
}


def _features(sector: str, rng: random.Random) -> dict:
    industrial = sector not in ("commerce", "other")
    f = {"dust_explosion": False, "metal_dust": False, "dust_workers": None,
         "ammonia_refrigeration": False, "ammonia_tonnes": None, "confined_space": False,
         "confined_space_toxic": False, "metal_smelting": False, "major_hazard_level": None,
         "hazardous_chemicals_use": False, "hot_work": False, "work_at_height": False,
         "outsourced_construction": False}
    if sector in ("machinery", "light_industry", "textile") and rng.random() < 0.25:
        f["dust_explosion"] = True
        f["dust_workers"] = rng.randint(3, 40)
        f["metal_dust"] = sector == "machinery" and rng.random() < 0.6
    if sector == "light_industry" and rng.random() < 0.12:
        f["ammonia_refrigeration"] = True
        f["ammonia_tonnes"] = Decimal(rng.choice(["1.5", "3.0", "6.0", "12.0", "25.0"]))
        if f["ammonia_tonnes"] >= 10:
            f["major_hazard_level"] = rng.choice([3, 4])
    if industrial and rng.random() < 0.2:
        f["confined_space"] = True
        f["confined_space_toxic"] = rng.random() < 0.3
    if sector in ("metallurgy", "nonferrous"):
        f["metal_smelting"] = True
    if sector == "hazardous_chemicals":
        f["hazardous_chemicals_use"] = True
        if rng.random() < 0.4:
            f["major_hazard_level"] = rng.choice([1, 2, 3, 3, 4, 4])
    elif industrial and rng.random() < 0.08:
        f["hazardous_chemicals_use"] = True
    if industrial:
        f["hot_work"] = rng.random() < 0.35
        f["work_at_height"] = rng.random() < 0.25
        f["outsourced_construction"] = rng.random() < 0.15
    if sector == "commerce" and rng.random() < 0.03:
        f["confined_space"] = True  # cellars, septic tanks of larger shops
    return f


def generate(count: int = 3000, seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    townships = registry.tables().townships.names
    codes = uscc.generate_many(count, "370830", seed)
    sectors_, weights = zip(*[(k, v[0]) for k, v in PROFILES.items()], strict=True)
    names: set[str] = set()
    rows = []
    for code in codes:
        sector = rng.choices(sectors_, weights)[0]
        _share, industry_codes, words, forms, (low, high) = PROFILES[sector]
        township = rng.choice(townships)
        for attempt in range(50):
            place = rng.choice(("汶上县", "汶上", township.rstrip("镇乡街道"), "济宁"))
            brand = rng.choice(BRANDS)
            if attempt >= 3:  # the simple names are taken: two brand words, then a number
                brand += rng.choice(BRANDS)
            if attempt >= 10:
                brand += str(rng.randint(1, 999))
            name = f"{place}{brand}{rng.choice(words)}{rng.choice(forms)}"
            if name not in names:
                names.add(name)
                break
        industrial = sector not in ("commerce", "other")
        # 商贸 units mostly hold the small-business standardisation (二级 as a rule here).
        grade = rng.choices(["2", "3", None], [0.12, 0.5, 0.38])[0] if industrial else \
            rng.choices(["1", "2", "3", None], [0.03, 0.5, 0.2, 0.27])[0]
        rows.append({
            "uscc": code, "name": name, "township": township,
            "address": f"{township}{rng.choice(['工业园', '商业街', '中心街', '经济开发区'])}"
                       f"{rng.randint(1, 300)}号",
            "legal_representative": rng.choice("王李张刘陈杨赵孔颜孟曾周吴徐") +
            rng.choice(["建华", "海军", "秀兰", "国庆", "玉梅", "志刚", "文静", "德明"]),
            "contact_phone": f"0537-72{rng.randint(10000, 99999)}",
            "industry_code": rng.choice(industry_codes), "sector": None,
            "employees": rng.randint(low, high), "standardization_grade": grade,
            "credit_status": "serious_dishonest" if rng.random() < 0.003 else "normal",
            **_features(sector, rng),
        })
    return rows


def seed(count: int = 3000) -> int:
    """Add the demo registry to an empty registry; returns how many were created."""
    if db.session.scalar(sa.select(sa.func.count(Enterprise.id))):
        return 0
    rows = generate(count)
    planned = [importer.Planned(i + 2, row, None, "create") for i, row in enumerate(rows)]
    importer.commit(planned, None)
    _accidents(rows)
    return len(rows)


def _accidents(rows: list[dict]) -> None:
    """A handful of recent accidents, so some enterprises are classed by them."""
    rng = random.Random(SEED + 1)
    industrial = [r["uscc"] for r in rows if r["industry_code"].startswith("C")]
    for code in rng.sample(industrial, min(8, len(industrial))):
        enterprise = db.session.scalar(sa.select(Enterprise).where(Enterprise.uscc == code))
        days_ago = rng.randint(20, 330)
        deaths = 1 if rng.random() < 0.3 else 0
        service.add_accident(
            enterprise, clock.today() - timedelta(days=days_ago), deaths,
            rng.choice([0, 1, 1, 2, 3]) if not deaths else 0,
            rng.choice(["机械伤害事故，一名操作工手部受伤", "高处坠落事故", "物体打击事故",
                        "有限空间作业中毒窒息事故", "触电事故"]), None)
