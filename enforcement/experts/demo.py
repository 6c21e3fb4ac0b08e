"""The demo county's expert pool: 60 experts across the groups, with realistic skills,
employers, past service to demo enterprises (so some must 回避), and logins for five of them
(expert1 … expert5; expert1 is 孟安全, the demo account)."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from enforcement.auth import service as auth
from enforcement.core import clock
from enforcement.enterprises.models import Enterprise
from enforcement.experts.models import DeclaredRelation, Engagement, Expert
from enforcement.extensions import db

SKILLS = {
    "冶金工贸": ["冶金安全", "煤气安全", "高温熔融金属作业", "起重机械",
                 "工贸行业重大事故隐患判定"],
    "粉尘防爆": ["粉尘防爆", "除尘系统设计", "金属粉尘", "木粉尘防爆", "粮食粉尘防爆"],
    "涉氨制冷": ["涉氨制冷", "液氨储存", "氨泄漏应急处置", "冷库安全"],
    "有限空间": ["有限空间作业安全", "中毒窒息防护", "气体检测"],
    "危险化学品": ["危险化学品", "重大危险源管理", "化工工艺安全", "危险化学品储存", "HAZOP分析"],
    "非煤矿山": ["非煤矿山", "尾矿库安全", "露天采石场", "边坡稳定"],
    "烟花爆竹": ["烟花爆竹", "民用爆炸物品"],
    "电气安全": ["电气安全", "防爆电气", "配电系统", "雷电防护"],
    "特种设备": ["起重机械", "压力容器", "锅炉安全", "叉车安全"],
    "消防安全": ["消防安全管理", "建筑防火", "消防设施检测"],
    "职业卫生": ["职业卫生", "职业病危害评价", "噪声与粉尘检测"],
    "应急救援": ["应急预案编制", "应急演练评估", "事故救援指挥"],
    "事故调查": ["事故调查分析", "安全评价"],
    "综合管理": ["安全生产标准化", "双重预防机制", "安全培训"],
}
SURNAMES = ("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
            "苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
GIVEN = ["立新", "建军", "志远", "海波", "文涛", "国栋", "红霞", "晓东", "明亮", "春雨", "振华",
         "德福", "秀珍", "永强", "玉洁", "金宝", "洪涛", "学军", "光明", "庆丰"]
EMPLOYERS = [("山东省安全生产科学研究院", None), ("济宁市应急管理技术中心", None),
             ("济宁安泰安全评价有限公司", "service"), ("山东鲁安安全技术咨询有限公司", "service"),
             ("济宁学院", None), ("兖矿能源集团股份有限公司", None),
             ("济宁市特种设备检验研究院", None), ("山东科技大学", None)]
TITLES = ["高级工程师", "正高级工程师", "工程师", "教授", "副教授", "注册安全工程师"]
QUALIFICATIONS = ["注册安全工程师", "注册消防工程师", "安全评价师", "特种设备检验师"]
EXPERT_USERS = {1: ("expert1", "孟安全"), 2: ("expert2", "颜正清"), 3: ("expert3", "曾广才"),
                4: ("expert4", "仲思源"), 5: ("expert5", "闵德厚")}


def seed(password: str, count: int = 60) -> int:
    if db.session.scalar(sa.select(sa.func.count(Expert.id))):
        return 0
    rng = random.Random(2026)
    enterprises = db.session.scalars(sa.select(Enterprise).where(
        Enterprise.sector.in_(("machinery", "light_industry", "metallurgy", "nonferrous",
                               "hazardous_chemicals"))).order_by(Enterprise.id)).all()
    groups = list(SKILLS)
    for n in range(1, count + 1):
        main = groups[(n - 1) % len(groups)]
        second = rng.choice(groups)
        skills = rng.sample(SKILLS[main], min(len(SKILLS[main]), rng.randint(2, 4)))
        skills += [s for s in rng.sample(SKILLS[second], 2) if s not in skills]
        if n == 1:  # the demo expert: dust explosion and confined spaces
            main, skills = "粉尘防爆", ["粉尘防爆", "金属粉尘", "有限空间作业安全", "除尘系统设计"]
        employer, kind = rng.choice(EMPLOYERS)
        name = EXPERT_USERS[n][1] if n in EXPERT_USERS else \
            rng.choice(SURNAMES) + rng.choice(GIVEN)
        expert = Expert(name=name, title=rng.choice(TITLES), employer=employer,
                        phone=f"1396377{n:04d}", skills=skills, groups=[main],
                        qualifications=rng.sample(QUALIFICATIONS, rng.randint(0, 2)),
                        available=rng.random() > 0.05, unavailable_periods=[])
        if n in EXPERT_USERS:
            username = EXPERT_USERS[n][0]
            user = auth.find_by_username(username)
            if user is None:
                user = auth.create_user(auth.AccountData(
                    username=username, display_name=name, roles=["expert"], password=password,
                    must_change_password=False, is_demo=True, phone=expert.phone))
            expert.user_id = user.id
            expert.available = True
        db.session.add(expert)
        db.session.flush()
        if enterprises and (kind == "service" or n in (1, 7, 13)):
            for target in rng.sample(enterprises, 2):
                db.session.add(Engagement(
                    expert_id=expert.id, enterprise_uscc=target.uscc,
                    enterprise_name=target.name, kind=rng.choice(["评价", "咨询", "培训"]),
                    by_employer=kind == "service",
                    start_on=clock.today() - timedelta(days=rng.randint(60, 900))))
        if enterprises and n % 17 == 0:
            target = rng.choice(enterprises)
            db.session.add(DeclaredRelation(expert_id=expert.id, enterprise_uscc=target.uscc,
                                            relation="近亲属在该企业任安全管理人员",
                                            declared_on=clock.today()))
    db.session.flush()
    return count
