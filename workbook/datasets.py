"""Deterministic synthetic sample data: customers, orders, surveys and a messy teaching set.

Run ``python -m workbook.datasets regenerate [--out DIR]`` to rewrite the sample files
(default: the repository's ``datasets/`` folder). Every number comes from numpy
``Generator`` (PCG64) streams seeded by :data:`SEED` plus a fixed label per concern,
so the CSVs are byte-identical on every run and changing one part (say, the survey
comments) leaves the random numbers of every other part untouched.

The data tell one story, built so that a trainee finds it with a ``groupby``:

1. active customers are unhappy with after-sales service, loyal ones are not;
2. profit is concentrated in a few large enterprise accounts (Pareto);
3. retail customers in the middle value tier order about half as often, with bigger tickets;
4. SERVQUAL gaps are largest for responsiveness and reliability, and reliability
   matters most to customers;
5. between the 2025 and 2026 snapshots most customers keep their level, some move,
   some stop buying and about one in ten is new.

Each customer has a *latent* relationship level; the features that the default ladder
rules read (orders, tenure, recency, satisfaction, enquiries, joint projects, decision
contacts) are drawn so that those rules recover the latent level for most customers,
and the outcomes (after-sales satisfaction, survey answers) follow the level the rules
give. The snapshot aggregates (``orders_12m``, ``revenue_12m``, ``gross_profit_12m``,
purchase dates) are computed from ``transactions.csv``, to the cent.

For benchmarks, :func:`simulate_customers` and :func:`simulate_transactions` draw
tables of any size from the same distributions, fully vectorised.

Example
-------
>>> orders = simulate_transactions(n_customers=100, n_rows=1_000)
>>> orders.shape, str(orders["product_line"].dtype)
((1000, 6), 'category')
>>> bool((orders["gross_profit"] <= orders["amount"]).all())
True
"""

from __future__ import annotations

import argparse
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from workbook.classify import DEFAULT_LADDER_RULES

SEED = 20260630
AS_OF = pd.Timestamp("2026-06-30")
PREVIOUS_AS_OF = pd.Timestamp("2025-06-30")
HISTORY_START = pd.Timestamp("2024-07-01")  # first day in transactions.csv
SURVEY_START = pd.Timestamp("2026-04-01")
DATASETS_DIR = Path(__file__).resolve().parent.parent / "datasets"

N_CUSTOMERS = 2_000
N_NPS = 1_500
N_SERVQUAL = 300

# ---------------------------------------------------------------- canonical columns (CONTRACT order)

CUSTOMER_COLUMNS = {
    "customer_id": "客户编号",
    "name": "客户名称",
    "industry": "行业",
    "region": "区域",
    "company_size": "企业规模",
    "customer_group": "客户群",
    "dealer_class": "经销商等级",
    "member": "会员",
    "first_purchase_date": "首次购买日期",
    "last_purchase_date": "最近购买日期",
    "orders_12m": "近12月订单数",
    "revenue_12m": "近12月销售额",
    "gross_profit_12m": "近12月毛利",
    "purchase_potential": "购买潜力",
    "satisfaction": "满意度",
    "recommend_score": "推荐意愿",
    "trust": "信任度",
    "cooperation": "合作意愿",
    "referrals": "推荐客户数",
    "overdue_days": "逾期天数",
    "overdue_amount": "逾期金额",
    "contacts_decision": "决策层联系人数",
    "contacts_management": "管理层联系人数",
    "contacts_operational": "执行层联系人数",
    "service_tickets": "售后工单数",
    "service_satisfaction": "售后满意度",
    "enquiries_12m": "近12月询价次数",
    "needs_documented": "需求已书面确认",
    "joint_projects": "联合项目数",
}
TRANSACTION_COLUMNS = {
    "order_id": "订单号",
    "customer_id": "客户编号",
    "order_date": "订单日期",
    "amount": "金额",
    "gross_profit": "毛利",
    "product_line": "产品线",
}
NPS_COLUMNS = {
    "response_id": "问卷编号",
    "customer_id": "客户编号",
    "response_date": "填写日期",
    "touchpoint": "触点",
    "recommend_score": "推荐意愿",
    "csat": "满意度",
    "ces": "费力度",
    "comment": "留言",
}
SERVQUAL_DIMENSIONS = {
    "tangibles": "有形性",
    "reliability": "可靠性",
    "responsiveness": "响应性",
    "assurance": "保证性",
    "empathy": "同理心",
}
SERVQUAL_ITEMS = {"tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}


def _servqual_columns() -> dict[str, str]:
    cols = {"respondent_id": "受访者编号", "customer_id": "客户编号"}
    for dim, zh in SERVQUAL_DIMENSIONS.items():
        for k in range(1, SERVQUAL_ITEMS[dim] + 1):
            cols[f"exp_{dim}_{k}"] = f"期望_{zh}_{k}"
            cols[f"per_{dim}_{k}"] = f"感知_{zh}_{k}"
    cols.update({f"imp_{dim}": f"重要性_{zh}" for dim, zh in SERVQUAL_DIMENSIONS.items()})
    return cols


SERVQUAL_COLUMNS = _servqual_columns()
MONEY = ("revenue_12m", "gross_profit_12m", "purchase_potential", "overdue_amount", "amount", "gross_profit")
BOOLS = ("member", "needs_documented")
ZH_VALUES = {  # how Chinese exports spell the category codes (messy files)
    "company_size": {"large": "大型", "medium": "中型", "small": "小型"},
    "customer_group": {"standard": "标准型", "technical": "技术型", "strategic": "战略型"},
    "touchpoint": {"sales": "销售", "delivery": "交付", "after_sales": "售后", "billing": "账单"},
}

# ---------------------------------------------------------------- design of the sample (one place)
# Shares are probabilities; rows of a *_BY_* table are indexed by the conditioning code.

SIZES = ("large", "medium", "small")
LARGE, MEDIUM, SMALL = range(3)
SIZE_SHARES = (0.10, 0.30, 0.60)
INDUSTRIES = ("制造业", "零售", "信息技术", "金融", "医疗健康", "物流", "能源", "建筑", "教育")
RETAIL = INDUSTRIES.index("零售")
INDUSTRY_SHARES = (0.24, 0.15, 0.13, 0.07, 0.09, 0.10, 0.07, 0.09, 0.06)
REGIONS = ("华东", "华北", "华南", "华中", "西南", "西北", "东北")
REGION_SHARES = (0.32, 0.17, 0.20, 0.11, 0.09, 0.05, 0.06)
GROUPS = ("standard", "technical", "strategic")
GROUP_BY_SIZE = ((0.20, 0.35, 0.45), (0.50, 0.35, 0.15), (0.70, 0.25, 0.05))
DEALER_CLASSES = ("A", "B", "C")
DEALER_SHARE_BY_SIZE = (0.10, 0.35, 0.35)
DEALER_CLASS_BY_SIZE = ((0.70, 0.25, 0.05), (0.30, 0.45, 0.25), (0.10, 0.35, 0.55))

LEVELS = ("prospect", "initial_contact", "active", "loyal", "strategic_partner")
PROSPECT, INITIAL, ACTIVE, LOYAL, PARTNER = range(5)
CHURNED = 5  # latent state in the current year: bought in the previous year, nothing since
ABSENT = -1  # not yet a customer at the previous snapshot
NEW_SHARE = 0.10  # customers created after the previous snapshot
NEW_LEVEL_MIX = (0.30, 0.40, 0.30, 0.0, 0.0)
LEVEL_MIX_BY_SIZE = (  # previous-year latent level
    (0.02, 0.08, 0.27, 0.34, 0.29),
    (0.07, 0.17, 0.38, 0.29, 0.09),
    (0.15, 0.26, 0.38, 0.18, 0.03),
)
TRANSITIONS = (  # previous latent level → (prospect, initial, active, loyal, partner, churned)
    (0.72, 0.20, 0.08, 0.00, 0.00, 0.00),
    (0.05, 0.66, 0.26, 0.00, 0.00, 0.03),
    (0.00, 0.08, 0.71, 0.14, 0.02, 0.05),
    (0.00, 0.00, 0.10, 0.82, 0.05, 0.03),
    (0.00, 0.00, 0.00, 0.09, 0.90, 0.01),
)

# The ladder the sample data is made to follow: classify's own default rules, so the two cannot drift.
LADDER = DEFAULT_LADDER_RULES
RECENT_ORDER_DAYS = 170  # latent active customers always have an order this recent (< 180)

ORDER_MIN = (0, 1, 3, 6, 8)  # orders in 12 months by latent level
ORDER_EXTRA_BY_LEVEL = (  # mean extra orders (large, medium, small), scaled by the customer's appetite
    (0.0, 0.0, 0.0),
    (0.0, 0.0, 0.0),
    (12.0, 10.0, 7.0),
    (44.0, 36.0, 26.0),
    (66.0, 52.0, 38.0),
)
INITIAL_BUYER_SHARE = 0.6  # initial-contact customers with 1–2 orders (the rest only enquired)
RETAIL_FREQUENCY = 0.35  # retail customers: extra orders × this …
RETAIL_TICKET = 2.2  # … and order value × this (fewer, bigger orders)
TICKET_BY_SIZE = (22_000.0, 7_500.0, 3_800.0)  # median typical order value, CNY
TICKET_SPREAD = 0.40  # lognormal sigma of a customer's typical order value
APPETITE_SHAPE = 6.0  # gamma shape of the appetite (mean 1): smaller = more unequal customers
ORDER_SPREAD = 0.45  # lognormal sigma of one order around the customer's typical value

PRODUCT_LINES = ("工业设备", "自动化系统", "工业软件", "备品备件", "耗材", "技术服务")
PRODUCT_TICKET = (1.9, 2.4, 1.1, 0.45, 0.3, 0.7)  # order value relative to the customer's typical value
PRODUCT_MARGIN = (0.20, 0.27, 0.62, 0.38, 0.24, 0.46)  # mean gross margin
PRODUCT_MIX_BY_GROUP = (
    (0.15, 0.08, 0.05, 0.25, 0.37, 0.10),
    (0.15, 0.15, 0.20, 0.15, 0.15, 0.20),
    (0.20, 0.20, 0.15, 0.15, 0.12, 0.18),
)
MARGIN_NOISE = 0.05
PROMO_SHARE = 0.015  # orders sold below cost (slightly negative gross profit)

MONTH_WEIGHTS = (0.70, 0.62, 1.00, 1.00, 1.02, 1.12, 0.92, 0.90, 1.05, 0.95, 1.20, 1.38)  # Jan … Dec
WEEKEND_WEIGHT = 0.25
HOLIDAY_WEIGHT = 0.10
HOLIDAYS = (
    ("2024-10-01", "2024-10-07"),
    ("2025-01-28", "2025-02-04"),
    ("2025-10-01", "2025-10-08"),
    ("2026-02-16", "2026-02-23"),
)  # National Day and Spring Festival weeks

# Per latent level: prospect, initial, active, loyal, partner, churned.
SATISFACTION_BY_LEVEL = (
    (0.00, 0.05, 0.55, 0.35, 0.05),
    (0.00, 0.08, 0.42, 0.42, 0.08),
    (0.03, 0.17, 0.50, 0.27, 0.03),
    (0.00, 0.00, 0.04, 0.52, 0.44),
    (0.00, 0.00, 0.00, 0.40, 0.60),
    (0.10, 0.35, 0.40, 0.15, 0.00),
)
ENQUIRIES_BY_LEVEL = (0.0, 1.8, 1.5, 2.0, 3.0, 0.3)
COOPERATION_BY_LEVEL = (2.6, 3.0, 3.3, 4.0, 4.6, 2.2)
REFERRALS_BY_LEVEL = (0.0, 0.05, 0.2, 0.7, 1.4, 0.0)
MANAGEMENT_BY_LEVEL = (0.2, 0.6, 1.2, 2.0, 3.0, 0.8)
OPERATIONAL_BY_LEVEL = (0.5, 1.5, 2.5, 4.0, 6.0, 1.5)
DECISION_BY_LEVEL = (0.03, 0.05, 0.2, 0.5, 0.6, 0.1)
DOCUMENTED_BY_LEVEL = (0.05, 0.20, 0.45, 0.70, 0.92, 0.30)
MEMBER_BY_LEVEL = (0.02, 0.10, 0.35, 0.60, 0.70, 0.30)
WALLET_SHARE_BY_LEVEL = (0.1, 0.12, 0.3, 0.5, 0.6, 0.2)  # revenue as a share of purchase potential
OVERDUE_BY_LEVEL = (0.0, 0.10, 0.12, 0.06, 0.05, 0.30)  # share with an overdue invoice (+ dealers)
# Mean after-sales rating (1–5) by the level the ladder rules give; churned customers rate lowest.
SERVICE_BY_RULE_LEVEL = (3.4, 3.6, 2.7, 4.45, 4.6)
SERVICE_CHURNED = 2.4

TOUCHPOINTS = ("sales", "delivery", "after_sales", "billing")
AFTER_SALES = TOUCHPOINTS.index("after_sales")
TOUCHPOINT_SHARES = (0.30, 0.25, 0.25, 0.20)
CSAT_BY_TOUCHPOINT_LEVEL = (  # latent mean before rounding, by rule level
    (3.95, 3.95, 4.0, 4.05, 4.05),
    (3.95, 3.95, 4.0, 4.05, 4.05),
    (3.4, 3.5, 2.65, 4.6, 4.75),
    (3.95, 3.95, 4.0, 4.05, 4.05),
)
COMMENT_SHARE = 0.65

SERVQUAL_EXPECTATION = (5.3, 6.2, 6.0, 5.9, 5.7)  # latent means, dimensions in SERVQUAL_DIMENSIONS order
SERVQUAL_GAP = (0.05, -1.1, -1.4, -0.45, -0.65)  # perception − expectation before rounding
SERVQUAL_IMPORTANCE = (0.13, 0.31, 0.22, 0.18, 0.16)  # mean share of the 100 points

CITIES = {
    "华东": ("上海", "杭州", "苏州", "南京", "宁波", "合肥", "济南", "青岛", "福州", "厦门", "无锡", "温州"),
    "华北": ("北京", "天津", "石家庄", "太原", "呼和浩特", "唐山", "保定"),
    "华南": ("广州", "深圳", "东莞", "佛山", "南宁", "海口", "珠海", "中山"),
    "华中": ("武汉", "长沙", "郑州", "南昌", "宜昌", "洛阳"),
    "西南": ("成都", "重庆", "昆明", "贵阳", "绵阳"),
    "西北": ("西安", "兰州", "银川", "乌鲁木齐", "西宁"),
    "东北": ("沈阳", "大连", "长春", "哈尔滨", "鞍山"),
}
STEM_FIRST = tuple("恒瑞鑫泰嘉宏德盛新联金永天海博信光广远誉兴安正启卓汇富立明创通祥隆佳力华中东万")
STEM_SECOND = tuple("源达益丰昌成利鼎辉科越腾捷锐睿晟邦凯弘峰航宇诚川岳林众和润合阳星驰耀升威")
INDUSTRY_WORDS = (
    ("机械制造", "精密工业", "电气设备", "汽车零部件"),
    ("商贸", "连锁超市", "百货", "零售"),
    ("信息技术", "软件", "网络科技", "数据科技"),
    ("融资租赁", "投资管理", "保险代理", "金融服务"),
    ("医疗器械", "生物科技", "医药", "健康管理"),
    ("物流", "供应链管理", "运输", "仓储服务"),
    ("能源", "新能源科技", "电力工程", "燃气"),
    ("建设工程", "建筑装饰", "工程咨询", "建材"),
    ("教育科技", "职业培训", "文化传播", "教育咨询"),
)
LEGAL_FORMS = ("有限公司", "股份有限公司", "集团有限公司", "有限责任公司")
LEGAL_BY_SIZE = ((0.30, 0.40, 0.30, 0.00), (0.72, 0.15, 0.03, 0.10), (0.80, 0.05, 0.00, 0.15))

COMMENTS = {  # (touchpoint, band) → remarks; bands: 0 unhappy (csat ≤ 2), 1 neutral (3), 2 happy (≥ 4)
    ("sales", 0): (
        "报价太慢，价格也不透明",
        "销售人员换得太频繁，每次都要重新介绍需求",
        "承诺的优惠没有兑现",
    ),
    ("sales", 1): ("销售沟通正常", "方案还可以，希望更贴近我们的行业", "报价基本及时"),
    ("sales", 2): ("销售经理很懂我们的业务", "方案做得很细，帮我们省了不少成本", "响应快，专业度高"),
    ("delivery", 0): ("交货延期，影响了我们的生产", "包装破损，还少发了配件", "物流信息一直不更新"),
    ("delivery", 1): ("基本按期交货", "到货正常，安装预约稍慢", "交付还行"),
    ("delivery", 2): ("交货准时，安装也很顺利", "急单也能按时送到", "现场调试很专业"),
    ("after_sales", 0): (
        "售后响应太慢，报修三天没人来",
        "维修后问题反复出现",
        "客服电话总是打不通",
        "工程师不熟悉我们的设备型号",
        "备件等了两周才到",
    ),
    ("after_sales", 1): (
        "售后还可以，就是上门时间不太准",
        "问题最后解决了，但过程有点长",
        "售后态度不错，效率一般",
    ),
    ("after_sales", 2): (
        "工程师很专业，当天就解决了问题",
        "售后回访很及时，感觉很放心",
        "专属服务经理响应快",
    ),
    ("billing", 0): ("发票开错了两次", "对账流程太繁琐", "账期和合同约定不一致"),
    ("billing", 1): ("账单基本清楚", "开票速度一般", "对账还算顺利"),
    ("billing", 2): ("对账清楚，开票很快", "付款方式灵活", "账单明细一目了然"),
}


# ---------------------------------------------------------------- random helpers


def _rng(seed: int, label: str) -> np.random.Generator:
    """An independent PCG64 stream for one concern: same seed and label → same numbers."""
    return np.random.default_rng([seed, zlib.crc32(label.encode())])


def _draw(rng: np.random.Generator, shares: Sequence[float], n: int) -> np.ndarray:
    """``n`` category codes drawn with probabilities ``shares`` (inverse CDF, vectorised)."""
    cdf = np.cumsum(shares) / np.sum(shares)
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1).astype(np.int8)


def _draw_given(rng: np.random.Generator, table: Sequence[Sequence[float]], given: np.ndarray) -> np.ndarray:
    """Codes drawn from row ``given[i]`` of ``table``: one vectorised draw per row of the table."""
    u = rng.random(len(given))
    out = np.zeros(len(given), dtype=np.int8)
    for row, shares in enumerate(table):
        mask = given == row
        cdf = np.cumsum(shares) / np.sum(shares)
        out[mask] = np.minimum(np.searchsorted(cdf, u[mask], side="right"), len(cdf) - 1)
    return out


def _discrete_normal(
    rng: np.random.Generator, mean: np.ndarray, sd: float, low: int, high: int
) -> np.ndarray:
    """Integers near ``mean``: a normal draw rounded and clipped to ``low``–``high``."""
    return np.clip(np.rint(mean + rng.normal(0.0, sd, len(mean))), low, high).astype(np.int64)


def _days(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return int((end - start) / pd.Timedelta(days=1))


def _to_dates(base: pd.Timestamp, days: np.ndarray) -> np.ndarray:
    """``base`` + ``days`` as datetime64[us] (the loader's resolution); float NaN days → NaT."""
    start = np.datetime64(base.date(), "D")
    if np.issubdtype(days.dtype, np.integer):
        return (start + days.astype("timedelta64[D]")).astype("datetime64[us]")
    out = np.full(len(days), np.datetime64("NaT"), dtype="datetime64[us]")
    ok = ~np.isnan(days)
    out[ok] = start + days[ok].astype(np.int64).astype("timedelta64[D]")
    return out


# ---------------------------------------------------------------- who the customers are


@dataclass(frozen=True)
class _Crowd:
    """Attributes of ``n`` customers as code arrays (index = position, not id)."""

    size: np.ndarray
    industry: np.ndarray
    group: np.ndarray
    ticket: np.ndarray  # typical order value, CNY
    appetite: np.ndarray  # how much more or less than its peers a customer orders (mean 1)
    region: np.ndarray | None = None
    dealer: np.ndarray | None = None  # -1 = not a dealer
    names: np.ndarray | None = None


def _core(seed: int, n: int) -> _Crowd:
    """What decides order volume and value; shared by the sample and both simulators."""
    rng = _rng(seed, "core")
    size = _draw(rng, SIZE_SHARES, n)
    industry = _draw(rng, INDUSTRY_SHARES, n)
    group = _draw_given(rng, GROUP_BY_SIZE, size)
    retail = np.where(industry == RETAIL, RETAIL_TICKET, 1.0)
    ticket = np.take(TICKET_BY_SIZE, size) * retail * rng.lognormal(0.0, TICKET_SPREAD, n)
    appetite = rng.gamma(APPETITE_SHAPE, 1 / APPETITE_SHAPE, n)
    return _Crowd(size, industry, group, ticket, appetite)


def _profile(seed: int, n: int) -> _Crowd:
    core = _core(seed, n)
    rng = _rng(seed, "profile")
    region = _draw(rng, REGION_SHARES, n)
    is_dealer = rng.random(n) < np.take(DEALER_SHARE_BY_SIZE, core.size)
    dealer = np.where(is_dealer, _draw_given(rng, DEALER_CLASS_BY_SIZE, core.size), -1).astype(np.int8)
    names = company_names(_rng(seed, "names"), region, core.industry, core.size)
    return _Crowd(core.size, core.industry, core.group, core.ticket, core.appetite, region, dealer, names)


def company_names(
    rng: np.random.Generator, region: np.ndarray, industry: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Unique plausible Chinese company names: city + two-character stem + industry word + legal form.

    City follows the region, the industry word the industry, and large companies are more
    often 股份有限公司 or 集团有限公司. Clashes are found on integer codes (fast) and their
    stems redrawn for a few rounds; any name still clashing gets a branch number, so the
    result is always unique.

    >>> names = company_names(np.random.default_rng(1), np.array([0, 0]), np.array([1, 1]), np.array([0, 2]))
    >>> len(set(names)), names[0].startswith(CITIES["华东"])
    (2, True)
    """
    n = len(region)
    counts = np.array([len(CITIES[r]) for r in REGIONS])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    city = offsets[region] + (rng.random(n) * counts[region]).astype(np.int64)
    word = industry.astype(np.int64) * 4 + rng.integers(0, 4, n)
    legal = _draw_given(rng, LEGAL_BY_SIZE, size).astype(np.int64)
    n_first, n_second = len(STEM_FIRST), len(STEM_SECOND)
    stem = rng.integers(0, n_first * n_second, n)
    # One integer per name: different codes always spell different names (no city is a prefix of another).
    rest = ((city * len(INDUSTRY_WORDS) * 4 + word) * len(LEGAL_FORMS) + legal) * n_first * n_second
    for _ in range(30):
        dup = pd.Series(rest + stem).duplicated().to_numpy()
        if not dup.any():
            break
        stem[dup] = rng.integers(0, n_first * n_second, int(dup.sum()))
    city_pool = np.array([c for r in REGIONS for c in CITIES[r]])
    word_pool = np.array([w for words in INDUSTRY_WORDS for w in words])
    first, second = np.array(STEM_FIRST)[stem // n_second], np.array(STEM_SECOND)[stem % n_second]
    names = np.strings.add(
        np.strings.add(city_pool[city], np.strings.add(first, second)),
        np.strings.add(word_pool[word], np.array(LEGAL_FORMS)[legal]),
    )
    dup = pd.Series(rest + stem).duplicated().to_numpy()
    if dup.any():
        branch = np.strings.add(np.strings.add("第", np.arange(n).astype(str)), "分公司")
        names = np.where(dup, np.strings.add(names, branch), names)
    return names


def _levels(seed: int, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latent levels (previous year, current year); previous = ABSENT for new customers."""
    rng = _rng(seed, "levels")
    n = len(size)
    new = rng.random(n) < NEW_SHARE
    previous = _draw_given(rng, LEVEL_MIX_BY_SIZE, size)
    current = _draw_given(rng, TRANSITIONS, previous)
    current = np.where(new, _draw(rng, NEW_LEVEL_MIX, n), current).astype(np.int8)
    return np.where(new, ABSENT, previous).astype(np.int8), current


def _order_counts(rng: np.random.Generator, level: np.ndarray, crowd: _Crowd) -> np.ndarray:
    """Orders in one 12-month window for each customer, from its latent level.

    orders = minimum of the level + Poisson(extra(level, size) × appetite × retail factor);
    initial contacts buy 1–2 times or only enquire; prospects, churned and absent buy nothing.
    """
    n = len(level)
    lv = np.clip(level, 0, 4)
    extra = np.asarray(ORDER_EXTRA_BY_LEVEL)[lv, crowd.size] * crowd.appetite
    extra = extra * np.where(crowd.industry == RETAIL, RETAIL_FREQUENCY, 1.0)
    counts = np.take(ORDER_MIN, lv) + rng.poisson(extra)
    initial_orders = np.where(rng.random(n) < INITIAL_BUYER_SHARE, 1 + (rng.random(n) < 0.35), 0)
    counts = np.where(level == INITIAL, initial_orders, counts)
    return np.where(np.isin(level, (PROSPECT, CHURNED, ABSENT)), 0, counts).astype(np.int64)


@dataclass(frozen=True)
class _History:
    """Purchases before the transaction history starts (from the CRM), in days from HISTORY_START."""

    pre: np.ndarray  # bought before HISTORY_START
    first: np.ndarray  # float days (negative), NaN when not ``pre``
    last: np.ndarray  # last purchase before HISTORY_START, NaN when not ``pre``


def _history(seed: int, previous: np.ndarray, current: np.ndarray, prev_orders: np.ndarray) -> _History:
    """Who bought before the 24 months of transactions, and when.

    Loyal and partner levels need two years of tenure, so those customers' first purchase
    is set well before the boundary (a month of margin avoids ties with any 2-year rule).
    """
    rng = _rng(seed, "history")
    n = len(previous)
    existing = previous != ABSENT
    need_prev = np.isin(previous, (LOYAL, PARTNER))
    need_now = np.isin(current, (LOYAL, PARTNER))
    u = rng.random(n)
    lapsed = (previous == INITIAL) & (prev_orders == 0) & (u < 0.30)
    pre = existing & (need_prev | need_now | ((prev_orders > 0) & (u < 0.55)) | lapsed)
    earliest = _days(HISTORY_START, pd.Timestamp("2012-01-01"))
    latest = np.where(
        need_prev,
        _days(HISTORY_START, pd.Timestamp("2023-05-31")),
        _days(HISTORY_START, pd.Timestamp("2024-05-31")),
    )
    first = latest - np.floor(rng.exponential(900.0, n))
    first = np.where(first < earliest, earliest + np.floor(rng.random(n) * 1000), first)
    # Keep clear of the previous snapshot's 2-year boundary (2023-06-30) too.
    june_2023 = (first > _days(HISTORY_START, pd.Timestamp("2023-05-31"))) & (
        first <= _days(HISTORY_START, pd.Timestamp("2023-07-31"))
    )
    first = np.where(june_2023, first - 61, first)
    last = first + np.floor(rng.random(n) * (-1 - first))
    return _History(pre, np.where(pre, first, np.nan), np.where(pre, last, np.nan))


# ---------------------------------------------------------------- orders


def _day_cdf(start: pd.Timestamp, n_days: int) -> np.ndarray:
    """Cumulative share of orders by day: month season, quiet weekends and holiday weeks."""
    dates = pd.date_range(start, periods=n_days, freq="D")
    weight = np.take(MONTH_WEIGHTS, dates.month - 1) * np.where(dates.day_of_week >= 5, WEEKEND_WEIGHT, 1.0)
    for first, last in HOLIDAYS:
        weight = np.where((dates >= first) & (dates <= last), weight * HOLIDAY_WEIGHT, weight)
    cdf = np.cumsum(weight)
    return cdf / cdf[-1]


def _order_days(rng: np.random.Generator, k: int, cdf: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(k), side="right"), len(cdf) - 1)


def _order_values(
    rng: np.random.Generator, ticket: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(product line code, amount in cents, gross profit in cents) for each order.

    amount = typical value × product factor × lognormal noise (mean 1), at least 10 CNY;
    gross profit = amount × (product margin + noise), a few promotional orders below cost.
    """
    k = len(ticket)
    line = _draw_given(rng, PRODUCT_MIX_BY_GROUP, group)
    noise = rng.lognormal(-(ORDER_SPREAD**2) / 2, ORDER_SPREAD, k)
    cents = np.maximum(np.rint(ticket * np.take(PRODUCT_TICKET, line) * noise * 100), 1_000).astype(np.int64)
    margin = np.take(PRODUCT_MARGIN, line) + rng.normal(0.0, MARGIN_NOISE, k)
    margin = np.where(rng.random(k) < PROMO_SHARE, -0.06 * rng.random(k), np.clip(margin, 0.02, 0.85))
    profit = np.rint(cents * margin).astype(np.int64)
    return line, cents, profit


@dataclass(frozen=True)
class _Orders:
    """Orders as arrays: customer position, day (from HISTORY_START), line, cents, profit cents."""

    customer: np.ndarray
    day: np.ndarray
    line: np.ndarray
    cents: np.ndarray
    profit: np.ndarray


def _window_orders(
    rng: np.random.Generator, counts: np.ndarray, latent: np.ndarray, crowd: _Crowd, offset: int
) -> _Orders:
    """Orders of one 12-month window starting ``offset`` days after HISTORY_START.

    Latent active customers get one order in the last RECENT_ORDER_DAYS days, so the
    recency rule finds them active.
    """
    n_days = 365
    customer = np.repeat(np.arange(len(counts)), counts)
    day = _order_days(rng, len(customer), _day_cdf(HISTORY_START + pd.Timedelta(days=offset), n_days))
    block_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    recent = block_start[(latent == ACTIVE) & (counts > 0)]
    day[recent] = n_days - 1 - rng.integers(0, RECENT_ORDER_DAYS, len(recent))
    line, cents, profit = _order_values(rng, crowd.ticket[customer], crowd.group[customer])
    return _Orders(customer, day + offset, line, cents, profit)


def _per_customer(orders: _Orders, n: int) -> dict[str, np.ndarray]:
    """Count, cents, profit cents, first and last day (NaN when none) per customer position."""
    count = np.bincount(orders.customer, minlength=n)
    first = np.full(n, np.inf)
    last = np.full(n, -np.inf)
    np.minimum.at(first, orders.customer, orders.day)
    np.maximum.at(last, orders.customer, orders.day)
    return {
        "orders": count,
        "cents": np.bincount(orders.customer, weights=orders.cents, minlength=n).astype(np.int64),
        "profit": np.bincount(orders.customer, weights=orders.profit, minlength=n).astype(np.int64),
        "first": np.where(count > 0, first, np.nan),
        "last": np.where(count > 0, last, np.nan),
    }


# ---------------------------------------------------------------- one customer snapshot


def _tenure_ok(
    first_days: np.ndarray, as_of: pd.Timestamp, years: float = LADDER.loyal_min_tenure_years
) -> np.ndarray:
    # Whole calendar months, as classify.relationship_level counts tenure.
    boundary = as_of - pd.DateOffset(months=round(12 * years))
    return ~np.isnan(first_days) & (first_days <= _days(HISTORY_START, boundary))


def _rule_levels(
    orders, first_days, last_days, satisfaction, enquiries, joint, decision, as_of
) -> np.ndarray:
    """classify's default ladder rules (top-down, first match wins) on arrays; days from HISTORY_START.

    The same rules as :func:`workbook.classify.relationship_level` with
    ``classify.DEFAULT_LADDER_RULES``, computed on the generator's arrays (tests check the two agree).
    """
    r = LADDER
    recency = _days(HISTORY_START, as_of) - last_days  # NaN when never bought → comparisons False
    loyal = (
        (orders >= r.loyal_min_orders)
        & _tenure_ok(first_days, as_of, r.loyal_min_tenure_years)
        & (satisfaction >= r.loyal_min_satisfaction)
    )
    conditions = [
        (joint >= r.partner_min_joint_projects)
        & (decision >= r.partner_min_decision_contacts)
        & (orders >= r.partner_min_orders)
        & _tenure_ok(first_days, as_of, r.partner_min_tenure_years),
        loyal,
        (orders >= r.active_min_orders) & (recency <= r.active_max_recency_days),
        (orders >= r.initial_min_orders) | (enquiries >= r.initial_min_enquiries),
    ]
    return np.select(conditions, [PARTNER, LOYAL, ACTIVE, INITIAL], PROSPECT).astype(np.int8)


def _ladder_inputs(
    rng: np.random.Generator,
    lv: np.ndarray,
    crowd: _Crowd,
    orders: np.ndarray,
    first: np.ndarray,
    as_of: pd.Timestamp,
) -> dict[str, np.ndarray]:
    """Satisfaction, enquiries, joint projects and decision contacts drawn from the latent level.

    Partners always get ≥ 1 joint project and ≥ 1 decision contact; the few loyal customers
    with a joint project get no decision contact (so the rules keep them loyal), and a latent
    active customer who would pass the loyal test is made at most neutral (satisfaction ≤ 3).
    """
    n = len(lv)
    satisfaction = _draw_given(rng, SATISFACTION_BY_LEVEL, lv).astype(np.int64) + 1
    passes_loyal = (orders >= LADDER.loyal_min_orders) & _tenure_ok(first, as_of)
    satisfaction = np.where((lv == ACTIVE) & passes_loyal, np.minimum(satisfaction, 3), satisfaction)
    enquiries = rng.poisson(np.take(ENQUIRIES_BY_LEVEL, lv))
    enquiries = np.where((lv == INITIAL) & (orders == 0), 1 + rng.poisson(0.8, n), enquiries)
    enquiries = np.where(lv == PROSPECT, 0, enquiries)
    joint = np.where(lv == PARTNER, 1 + rng.poisson(0.8, n), (lv == LOYAL) & (rng.random(n) < 0.05))
    decision = rng.poisson(np.take(DECISION_BY_LEVEL, lv) * np.where(crowd.size == LARGE, 1.5, 1.0))
    decision = np.where(lv == PARTNER, 1 + decision, np.where(joint > 0, 0, decision))
    return {
        "satisfaction": satisfaction,
        "enquiries_12m": enquiries,
        "joint_projects": joint.astype(np.int64),
        "contacts_decision": decision,
    }


def _service(
    rng: np.random.Generator, lv: np.ndarray, rule: np.ndarray, orders: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(tickets, mean ticket rating 1–5 with one decimal or NaN) in 12 months.

    tickets ~ Poisson(0.35 × orders^0.75); rating = clip(mean(rule level) + N(0, 0.55)/√tickets, 1, 5).
    Customers who stopped buying still raise tickets and rate them lowest.
    """
    tickets = rng.poisson(np.where(lv == CHURNED, 1.2, 0.35 * orders**0.75))
    mean = np.where(lv == CHURNED, SERVICE_CHURNED, np.take(SERVICE_BY_RULE_LEVEL, rule))
    rating = np.clip(mean + rng.normal(0, 0.55, len(lv)) / np.sqrt(np.maximum(tickets, 1)), 1, 5)
    return tickets, np.where(tickets > 0, np.round(rating, 1), np.nan)


def _snapshot(
    seed: int,
    label: str,
    crowd: _Crowd,
    ids: np.ndarray,
    latent: np.ndarray,
    agg: dict[str, np.ndarray],
    member: np.ndarray,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """All canonical customer columns for one snapshot; ``agg`` holds the 12-month order figures.

    Features the ladder reads follow the latent level; after-sales satisfaction follows the
    level the rules then give, so the after-sales pattern is exactly what a trainee sees.
    purchase_potential = revenue / share of wallet (Beta around the level's share), rounded
    up to whole thousands so it never falls below the revenue.
    """
    rng = _rng(seed, label)
    n = len(latent)
    lv = latent.astype(np.int64)
    orders, first, last = agg["orders"], agg["first"], agg["last"]
    revenue = agg["cents"] / 100
    ladder = _ladder_inputs(rng, lv, crowd, orders, first, as_of)
    rule = _rule_levels(
        orders,
        first,
        last,
        ladder["satisfaction"],
        ladder["enquiries_12m"],
        ladder["joint_projects"],
        ladder["contacts_decision"],
        as_of,
    )
    tickets, service = _service(rng, lv, rule, orders)
    overdue = (revenue > 0) & (rng.random(n) < np.take(OVERDUE_BY_LEVEL, lv) + 0.08 * (crowd.dealer >= 0))
    share = np.take(WALLET_SHARE_BY_LEVEL, lv)
    wallet = np.where(
        revenue > 0,
        revenue / rng.beta(share * 8, (1 - share) * 8),
        crowd.ticket * 6 * rng.lognormal(0, 0.5, n),
    )
    satisfaction = ladder["satisfaction"]
    large = crowd.size == LARGE
    frame = {
        "customer_id": ids,
        "name": crowd.names,
        "industry": _labels(INDUSTRIES, crowd.industry),
        "region": _labels(REGIONS, crowd.region),
        "company_size": _labels(SIZES, crowd.size),
        "customer_group": _labels(GROUPS, crowd.group),
        "dealer_class": _labels((*DEALER_CLASSES, None), crowd.dealer),
        "member": pd.array(member, dtype="boolean"),
        "first_purchase_date": _to_dates(HISTORY_START, first),
        "last_purchase_date": _to_dates(HISTORY_START, last),
        "orders_12m": orders,
        "revenue_12m": revenue,
        "gross_profit_12m": agg["profit"] / 100,
        "purchase_potential": np.maximum(np.ceil(wallet / 1000) * 1000, 5000.0),
        "recommend_score": _discrete_normal(rng, 2 * satisfaction - 0.5 + 0.4 * (lv >= LOYAL), 1.1, 0, 10),
        "trust": np.clip(satisfaction + rng.choice([-1, 0, 1], n, p=[0.2, 0.6, 0.2]), 1, 5),
        "cooperation": _discrete_normal(rng, np.take(COOPERATION_BY_LEVEL, lv), 0.7, 1, 5),
        "referrals": rng.poisson(np.take(REFERRALS_BY_LEVEL, lv)),
        "overdue_days": np.where(overdue, np.minimum(rng.geometric(1 / 35, n), 365), 0),
        "overdue_amount": np.where(overdue, np.rint(revenue * rng.uniform(0.02, 0.25, n) * 100) / 100, 0.0),
        "contacts_management": rng.poisson(np.take(MANAGEMENT_BY_LEVEL, lv) * np.where(large, 1.6, 1.0)),
        "contacts_operational": rng.poisson(np.take(OPERATIONAL_BY_LEVEL, lv)) + (orders > 0),
        "service_tickets": tickets,
        "service_satisfaction": service,
        "needs_documented": pd.array(rng.random(n) < np.take(DOCUMENTED_BY_LEVEL, lv), dtype="boolean"),
        **ladder,
    }
    return _canonical_dtypes(pd.DataFrame(frame))


def _labels(values: Sequence[object], codes: np.ndarray) -> np.ndarray:
    """``values[code]`` for each code as an object array (code -1 → the last value).

    Sharing the same Python strings makes the later ``string`` dtype conversion cheap.
    """
    return np.asarray(values, dtype=object)[codes]


def _canonical_dtypes(customers: pd.DataFrame) -> pd.DataFrame:
    """The dtypes ``workbook.data.load_customers`` returns (string, boolean, int64, float64, datetime64)."""
    out = customers.copy()
    texts = ["customer_id", "name", "industry", "region", "company_size", "customer_group", "dealer_class"]
    out[texts] = out[texts].astype("string")
    ints = [
        "orders_12m",
        "satisfaction",
        "recommend_score",
        "trust",
        "cooperation",
        "referrals",
        "overdue_days",
        "contacts_decision",
        "contacts_management",
        "contacts_operational",
        "service_tickets",
        "enquiries_12m",
        "joint_projects",
    ]
    out[ints] = out[ints].astype("int64")
    floats = [
        "revenue_12m",
        "gross_profit_12m",
        "purchase_potential",
        "overdue_amount",
        "service_satisfaction",
    ]
    out[floats] = out[floats].astype("float64")
    return out[list(CUSTOMER_COLUMNS)]


# ---------------------------------------------------------------- the sample


@dataclass(frozen=True)
class Sample:
    """The sample tables in canonical columns and dtypes, plus the latent levels behind them.

    ``latent`` has ``customer_id``, ``level_2025`` and ``level_2026`` (level codes, ``"churned"``
    for customers who stopped buying, missing for customers absent in 2025): the truth the
    ladder rules should mostly recover.
    """

    customers: pd.DataFrame
    customers_2025: pd.DataFrame
    transactions: pd.DataFrame
    nps_survey: pd.DataFrame
    servqual: pd.DataFrame
    latent: pd.DataFrame


class _Population(NamedTuple):
    """Who the ``n`` customers are and how many orders each places in the two years (latent codes)."""

    crowd: _Crowd
    previous: np.ndarray  # latent level at the previous snapshot (ABSENT: not yet a customer)
    current: np.ndarray
    prev_counts: np.ndarray  # orders in the 12 months before the previous snapshot
    curr_counts: np.ndarray  # orders in the 12 months before the current snapshot
    history: _History


def _population(seed: int, n: int) -> _Population:
    """The draws every generated table starts from; each has its own named random stream."""
    crowd = _profile(seed, n)
    previous, current = _levels(seed, crowd.size)
    prev_counts = _order_counts(_rng(seed, "orders-2025"), previous, crowd)
    curr_counts = _order_counts(_rng(seed, "orders-2026"), current, crowd)
    history = _history(seed, previous, current, prev_counts)
    return _Population(crowd, previous, current, prev_counts, curr_counts, history)


def build_sample(seed: int = SEED) -> Sample:
    """Draw the whole sample in memory (a fraction of a second); :func:`regenerate` writes it to CSV.

    >>> s = build_sample()
    >>> len(s.customers), s.customers["customer_id"].is_unique
    (2000, True)
    """
    n = N_CUSTOMERS
    crowd, previous, current, prev_counts, curr_counts, history = _population(seed, n)
    rng = _rng(seed, "transactions")
    w25 = _window_orders(rng, prev_counts, previous, crowd, 0)
    w26 = _window_orders(rng, curr_counts, current, crowd, 365)
    ids = _customer_ids(
        seed, previous, history, _per_customer(w25, n)["first"], _per_customer(w26, n)["first"]
    )
    customers_2025, customers = _snapshots(seed, crowd, ids, previous, current, history, w25, w26)
    transactions = _transactions_frame(w25, w26, ids)
    levels = _rule_levels_of(customers, AS_OF)
    latent = pd.DataFrame(
        {
            "customer_id": ids,
            "level_2025": _labels((*LEVELS, None), previous),
            "level_2026": _labels((*LEVELS, "churned"), current),
        }
    )
    order = np.argsort(ids, kind="stable")
    return Sample(
        customers.iloc[order].reset_index(drop=True),
        customers_2025.sort_values("customer_id", ignore_index=True),
        transactions,
        nps_survey(seed, customers, levels),
        servqual(seed, customers),
        latent.iloc[order].reset_index(drop=True),
    )


def _customer_ids(
    seed: int, previous: np.ndarray, history: _History, first_25: np.ndarray, first_26: np.ndarray
) -> np.ndarray:
    """Ids C00001… in the order customers entered the CRM, so old accounts have low numbers."""
    rng = _rng(seed, "ids")
    n = len(previous)
    before_first = rng.integers(0, 60, n)
    first_order = np.fmin(first_25, first_26)
    old_entry = _days(HISTORY_START, pd.Timestamp("2023-01-01")) + rng.random(n) * 910
    new_entry = 365 + rng.random(n) * 364
    since = np.where(
        history.pre,
        history.first,
        np.where(
            ~np.isnan(first_order),
            np.maximum(first_order - before_first, np.where(previous == ABSENT, 365, -np.inf)),
            np.where(previous == ABSENT, new_entry, old_entry),
        ),
    )
    # Customers absent in 2025 entered after it; existing ones who first bought in 2026 entered before.
    since = np.where(
        (previous != ABSENT) & np.isnan(first_25) & ~history.pre, np.minimum(since, old_entry), since
    )
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(since, kind="stable")] = np.arange(n)
    return np.strings.add("C", np.strings.zfill((rank + 1).astype(str), 5))


def _snapshots(
    seed: int,
    crowd: _Crowd,
    ids: np.ndarray,
    previous: np.ndarray,
    current: np.ndarray,
    history: _History,
    w25: _Orders,
    w26: _Orders,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The 2025 and 2026 customer snapshots, with first/last dates consistent with the orders."""
    n = len(ids)
    a25, a26 = _per_customer(w25, n), _per_customer(w26, n)
    first_any = np.fmin(a25["first"], a26["first"])
    first_26 = np.where(history.pre, history.first, first_any)
    first_25 = np.where(history.pre, history.first, a25["first"])
    last_26 = np.where(
        ~np.isnan(a26["last"]), a26["last"], np.where(~np.isnan(a25["last"]), a25["last"], history.last)
    )
    last_25 = np.where(~np.isnan(a25["last"]), a25["last"], history.last)
    rng = _rng(seed, "member")
    member_26 = rng.random(n) < np.take(MEMBER_BY_LEVEL, current)
    member_25 = member_26 & (rng.random(n) > 0.15)  # some joined the programme during the year
    snap26 = _snapshot(
        seed,
        "snapshot-2026",
        crowd,
        ids,
        current,
        {**a26, "first": first_26, "last": last_26},
        member_26,
        AS_OF,
    )
    existing = previous != ABSENT
    sub = _Crowd(
        *(
            getattr(crowd, f)[existing]
            for f in ("size", "industry", "group", "ticket", "appetite", "region", "dealer", "names")
        )
    )
    agg25 = {k: v[existing] for k, v in {**a25, "first": first_25, "last": last_25}.items()}
    snap25 = _snapshot(
        seed,
        "snapshot-2025",
        sub,
        ids[existing],
        previous[existing],
        agg25,
        member_25[existing],
        PREVIOUS_AS_OF,
    )
    return snap25, snap26


def _transactions_frame(w25: _Orders, w26: _Orders, ids: np.ndarray) -> pd.DataFrame:
    """Both windows as one table sorted by date then customer; order ids SO000001… in that order."""
    customer = np.concatenate([w25.customer, w26.customer])
    day = np.concatenate([w25.day, w26.day])
    order = np.lexsort((ids[customer], day))
    k = len(order)
    return pd.DataFrame(
        {
            "order_id": pd.array(
                np.strings.add("SO", np.strings.zfill(np.arange(1, k + 1).astype(str), 6)), dtype="string"
            ),
            "customer_id": pd.array(ids[customer[order]], dtype="string"),
            "order_date": _to_dates(HISTORY_START, day[order]),
            "amount": np.concatenate([w25.cents, w26.cents])[order] / 100,
            "gross_profit": np.concatenate([w25.profit, w26.profit])[order] / 100,
            "product_line": pd.array(
                np.take(PRODUCT_LINES, np.concatenate([w25.line, w26.line])[order]), dtype="string"
            ),
        }
    )


def _rule_levels_of(customers: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Ladder level codes (0–4) of a canonical customer table."""

    def days(col):
        offset = (customers[col] - HISTORY_START) / pd.Timedelta(days=1)
        return offset.to_numpy(dtype=float, na_value=np.nan)

    return _rule_levels(
        customers["orders_12m"].to_numpy(),
        days("first_purchase_date"),
        days("last_purchase_date"),
        customers["satisfaction"].to_numpy(),
        customers["enquiries_12m"].to_numpy(),
        customers["joint_projects"].to_numpy(),
        customers["contacts_decision"].to_numpy(),
        as_of,
    )


# ---------------------------------------------------------------- surveys


def nps_survey(seed: int, customers: pd.DataFrame, levels: np.ndarray) -> pd.DataFrame:
    """~1,500 NPS / CSAT / CES answers from buying customers, April–June of the current year.

    CSAT is drawn around a mean set by touchpoint × ladder level (``CSAT_BY_TOUCHPOINT_LEVEL``):
    after-sales answers of active customers are low, everything else is similar across levels.
    Answers to the after-sales touchpoint come only from customers who raised a service ticket.
    """
    rng = _rng(seed, "nps")
    n = N_NPS
    touchpoint = _draw(rng, TOUCHPOINT_SHARES, n)
    buyers = customers["orders_12m"].to_numpy() > 0
    pools = [
        np.flatnonzero(buyers & ((customers["service_tickets"].to_numpy() > 0) | (t != AFTER_SALES)))
        for t in range(len(TOUCHPOINTS))
    ]
    who = np.zeros(n, dtype=np.int64)
    for t, pool in enumerate(pools):
        mask = touchpoint == t
        who[mask] = pool[rng.integers(0, len(pool), mask.sum())]
    mean = np.asarray(CSAT_BY_TOUCHPOINT_LEVEL)[touchpoint, levels[who]]
    csat = _discrete_normal(rng, mean, 0.75, 1, 5)
    recommend = _discrete_normal(rng, 1.9 * csat + 0.2, 1.1, 0, 10)
    ces = _discrete_normal(rng, 1.2 * csat + 0.6, 0.9, 1, 7)
    date = rng.integers(0, _days(SURVEY_START, AS_OF) + 1, n)
    comment = _comments(rng, touchpoint, np.digitize(csat, [3, 4]))
    order = np.lexsort((customers["customer_id"].to_numpy()[who], date))
    return pd.DataFrame(
        {
            "response_id": pd.array(
                np.strings.add("R", np.strings.zfill(np.arange(1, n + 1).astype(str), 5)), dtype="string"
            ),
            "customer_id": customers["customer_id"].to_numpy()[who][order],
            "response_date": _to_dates(SURVEY_START, date[order]),
            "touchpoint": pd.array(np.take(TOUCHPOINTS, touchpoint[order]), dtype="string"),
            "recommend_score": recommend[order],
            "csat": csat[order],
            "ces": ces[order],
            "comment": pd.array(comment[order], dtype="string"),
        }
    ).astype({"customer_id": "string"})


def _comments(rng: np.random.Generator, touchpoint: np.ndarray, band: np.ndarray) -> np.ndarray:
    """A remark from the list for (touchpoint, band) for about COMMENT_SHARE of answers, else ""."""
    keys = [(t, b) for t in TOUCHPOINTS for b in range(3)]
    flat = np.array([""] + [c for key in keys for c in COMMENTS[key]])
    sizes = np.array([len(COMMENTS[key]) for key in keys])
    starts = 1 + np.concatenate([[0], np.cumsum(sizes)[:-1]])
    cell = touchpoint.astype(np.int64) * 3 + band
    pick = starts[cell] + (rng.random(len(cell)) * sizes[cell]).astype(np.int64)
    return flat[np.where(rng.random(len(cell)) < COMMENT_SHARE, pick, 0)]


def servqual(seed: int, customers: pd.DataFrame) -> pd.DataFrame:
    """~300 SERVQUAL questionnaires: expectation and perception per item (1–7), importance points.

    item = round(dimension mean + respondent leniency + noise), clipped to 1–7; perception
    adds the dimension's gap (``SERVQUAL_GAP``). Importance points are a Dirichlet draw
    around ``SERVQUAL_IMPORTANCE``, rounded to whole points that add up to exactly 100.
    """
    rng = _rng(seed, "servqual")
    n = N_SERVQUAL
    buyers = customers.loc[customers["orders_12m"] > 0, "customer_id"].to_numpy()
    linked = rng.random(n) < 0.8
    customer = np.where(linked, buyers[rng.integers(0, len(buyers), n)], None)
    leniency = rng.normal(0, 0.45, n)
    strictness = rng.normal(0, 0.35, n)  # how much this respondent's perception lags the dimension's
    cols: dict[str, object] = {
        "respondent_id": pd.array(
            np.strings.add("SQ", np.strings.zfill(np.arange(1, n + 1).astype(str), 4)), dtype="string"
        ),
        "customer_id": pd.array(customer, dtype="string"),
    }
    for d, dim in enumerate(SERVQUAL_DIMENSIONS):
        for k in range(1, SERVQUAL_ITEMS[dim] + 1):
            expect = SERVQUAL_EXPECTATION[d] + leniency
            cols[f"exp_{dim}_{k}"] = _discrete_normal(rng, expect, 0.6, 1, 7)
            gap = SERVQUAL_GAP[d] * (1 + strictness)
            cols[f"per_{dim}_{k}"] = _discrete_normal(rng, expect + gap, 0.75, 1, 7)
    points = importance_points(rng.dirichlet(np.asarray(SERVQUAL_IMPORTANCE) * 40, n))
    cols.update({f"imp_{dim}": points[:, d] for d, dim in enumerate(SERVQUAL_DIMENSIONS)})
    return pd.DataFrame(cols)


def importance_points(shares: np.ndarray, total: int = 100) -> np.ndarray:
    """Whole points per row summing to ``total`` (largest-remainder rounding of ``shares × total``).

    Each row's shares are scaled to ``total``, floored, and the missing points go to the
    largest remainders (ties to the earlier column).

    >>> importance_points(np.array([[0.333, 0.333, 0.334], [0.125, 0.5, 0.375]]))
    array([[33, 33, 34],
           [13, 50, 37]])
    """
    scaled = shares / shares.sum(axis=1, keepdims=True) * total
    points = np.floor(scaled).astype(np.int64)
    missing = total - points.sum(axis=1)
    rank = np.argsort(np.argsort(-(scaled - points), axis=1, kind="stable"), axis=1, kind="stable")
    return points + (rank < missing[:, None])


# ---------------------------------------------------------------- benchmark-size simulators


def simulate_customers(n_customers: int, seed: int = 7) -> pd.DataFrame:
    """A customer snapshot of any size (as of :data:`AS_OF`), from the sample's distributions.

    Same columns and dtypes as ``workbook.data.load_customers`` returns. The 12-month figures
    are drawn per customer rather than summed from orders (use :func:`build_sample` for a
    table that agrees with its transactions). Fully vectorised: 500,000 customers take
    about 3 s on one core; the frame holds ~330 MB (about 700 bytes per customer, mostly the
    Python string objects of the text columns) and the process peaks near 600 MB.

    >>> c = simulate_customers(1_000)
    >>> c.shape, c["customer_id"].is_unique, bool(c["satisfaction"].between(1, 5).all())
    ((1000, 29), True, True)
    """
    n = _check_size(n_customers, "n_customers")
    crowd, _previous, current, prev_counts, counts, history = _population(seed, n)
    rng = _rng(seed, "aggregates")
    mix = np.asarray(PRODUCT_MIX_BY_GROUP)[crowd.group]
    mean_value = crowd.ticket * (mix @ np.asarray(PRODUCT_TICKET))
    spread = ORDER_SPREAD / np.sqrt(np.maximum(counts, 1))
    cents = np.rint(counts * mean_value * rng.lognormal(-(spread**2) / 2, spread) * 100).astype(np.int64)
    # Revenue-weighted margin of the customer's product mix.
    value_mix = mix * np.asarray(PRODUCT_TICKET)
    margin = value_mix @ np.asarray(PRODUCT_MARGIN) / value_mix.sum(axis=1)
    profit = np.rint(cents * np.clip(margin + rng.normal(0, 0.03, n), 0.0, 0.85)).astype(np.int64)
    agg = _simulated_dates(rng, counts, prev_counts, current, history)
    ids = np.strings.add("C", np.strings.zfill(np.arange(1, n + 1).astype(str), max(5, len(str(n)))))
    member = rng.random(n) < np.take(MEMBER_BY_LEVEL, current)
    agg = {"orders": counts, "cents": cents, "profit": profit, **agg}
    return _snapshot(seed, "simulate", crowd, ids, current, agg, member, AS_OF)


def _simulated_dates(
    rng: np.random.Generator,
    counts: np.ndarray,
    prev_counts: np.ndarray,
    current: np.ndarray,
    history: _History,
) -> dict[str, np.ndarray]:
    """First/last purchase days (from HISTORY_START) without drawing each order.

    The earliest and latest of k uniform days in a year sit about 365/(k+1) days from its
    ends (Beta(1, k)); latent active customers keep a purchase within RECENT_ORDER_DAYS.
    """
    n = len(counts)
    end = _days(HISTORY_START, AS_OF)  # last day of the current year; the previous year ends 365 days earlier
    year = 364  # spread of days within a 365-day window
    k = np.maximum(counts, 1)
    last_now = end - np.floor(year * rng.beta(1, k))
    last_now = np.where(current == ACTIVE, end - rng.integers(0, RECENT_ORDER_DAYS, n), last_now)
    first_now = np.minimum(end - year + np.floor(year * rng.beta(1, k)), last_now)
    in_prev = np.floor(year * rng.random(n))
    first_new = np.where(prev_counts > 0, in_prev, np.where(counts > 0, first_now, np.nan))
    last_prev = np.maximum(in_prev, year - np.floor(year * rng.beta(1, np.maximum(prev_counts, 1))))
    last = np.where(counts > 0, last_now, np.where(prev_counts > 0, last_prev, history.last))
    return {"first": np.where(history.pre, history.first, first_new), "last": last}


def simulate_transactions(
    n_customers: int, n_rows: int, seed: int = 7, as_of: str | pd.Timestamp = "2026-06-30"
) -> pd.DataFrame:
    """``n_rows`` orders of ``n_customers`` customers over the 24 months up to ``as_of``.

    Canonical transaction columns with compact dtypes: ``order_id`` int64 (1…n in date
    order), ``customer_id`` categorical over ``C…`` ids (the ids :func:`simulate_customers`
    gives; volume follows the same company sizes, industries and appetites for the same
    ``seed``), ``order_date`` datetime64[us], ``amount`` and ``gross_profit`` float64 CNY,
    ``product_line`` categorical. Memory: about 38 bytes per row (8 + 4 + 8 + 8 + 8 + 1),
    ~380 MB for 10,000,000 rows; building them peaks near 1 GB and takes about 5 s on one
    core for 500,000 customers (no sort: rows are generated in date order).

    >>> t = simulate_transactions(50, 500, seed=3)
    >>> t["order_id"].is_monotonic_increasing, bool(t["order_date"].is_monotonic_increasing)
    (True, True)
    """
    n = _check_size(n_customers, "n_customers")
    rows = _check_size(n_rows, "n_rows")
    end = pd.Timestamp(as_of).normalize()
    start = end - pd.DateOffset(years=2) + pd.Timedelta(days=1)
    crowd = _core(seed, n)
    rng = _rng(seed, "simulate-transactions")
    # Orders per day and per customer are multinomial; repeating day numbers gives rows already
    # in date order (no sort), and shuffling the repeated customers spreads them over the days.
    share = np.diff(_day_cdf(start, _days(start, end) + 1), prepend=0.0)
    day = np.repeat(np.arange(len(share), dtype=np.int16), rng.multinomial(rows, share))
    retail = np.where(crowd.industry == RETAIL, RETAIL_FREQUENCY, 1.0)
    # Relative order frequency: the loyal rung's size profile, retail's lower frequency, appetite.
    weight = np.asarray(ORDER_EXTRA_BY_LEVEL)[LOYAL, crowd.size] * retail * crowd.appetite
    per_customer = rng.multinomial(rows, weight / weight.sum())
    customer = rng.permuted(np.repeat(np.arange(n, dtype=np.int32), per_customer))
    line, cents, profit = _order_values(rng, crowd.ticket[customer], crowd.group[customer])
    ids = np.strings.add("C", np.strings.zfill(np.arange(1, n + 1).astype(str), max(5, len(str(n)))))
    return pd.DataFrame(
        {
            "order_id": np.arange(1, rows + 1, dtype=np.int64),
            "customer_id": pd.Categorical.from_codes(customer, categories=pd.Index(ids, dtype="string")),
            "order_date": _to_dates(start, day),
            "amount": cents / 100,
            "gross_profit": profit / 100,
            "product_line": pd.Categorical.from_codes(line, categories=list(PRODUCT_LINES)),
        }
    )


def _check_size(value: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


# ---------------------------------------------------------------- writing files


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text a CSV holds: money with 2 decimals, ISO dates, true/false, ``""`` = missing.

    >>> as_text(pd.DataFrame({"amount": [1.5, np.nan], "member": [True, False]})).to_dict("list")
    {'amount': ['1.50', ''], 'member': ['true', 'false']}
    """
    out = {}
    for col in frame.columns:
        series = frame[col]
        if col in MONEY:
            text = series.map("{:.2f}".format, na_action="ignore")
        elif col in BOOLS or pd.api.types.is_bool_dtype(series.dtype):
            text = series.map({True: "true", False: "false"})
        elif pd.api.types.is_datetime64_any_dtype(series.dtype):
            text = series.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_float_dtype(series.dtype):
            text = series.map("{:g}".format, na_action="ignore")
        else:
            text = series
        out[col] = text.astype(object).where(text.notna(), "").astype(str)
    return pd.DataFrame(out, index=frame.index)


def to_csv_text(frame: pd.DataFrame, *, sep: str = ",", line_end: str = "\n") -> str:
    """A canonical table as CSV text (see :func:`as_text` for the cell format).

    >>> to_csv_text(pd.DataFrame({"amount": [1.5], "member": [True]}))
    'amount,member\\n1.50,true\\n'
    """
    return as_text(frame).to_csv(index=False, sep=sep, lineterminator=line_end)


def regenerate(out: str | Path | None = None, seed: int = SEED) -> list[Path]:
    """Write the sample CSVs and the messy teaching set into ``out`` (default: ``datasets/``).

    Returns the paths written. CSVs are UTF-8 without BOM, ``\\n`` line ends, byte-identical
    on every run; the .xlsx files have fixed contents and fixed zip timestamps.
    """
    folder = Path(out) if out is not None else DATASETS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    sample = build_sample(seed)
    written = []
    for name, frame in (
        ("customers", sample.customers),
        ("customers_2025", sample.customers_2025),
        ("transactions", sample.transactions),
        ("nps_survey", sample.nps_survey),
        ("servqual", sample.servqual),
    ):
        path = folder / f"{name}.csv"
        path.write_bytes(to_csv_text(frame).encode("utf-8"))
        written.append(path)
    written += write_messy(folder / "messy", sample, seed)
    return written


def deterministic_xlsx(blob: bytes, when: datetime = datetime(2026, 6, 30)) -> bytes:
    """An openpyxl .xlsx with the save time replaced by ``when``, so equal sheets give equal bytes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(blob))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), data)
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, data)
    return target.getvalue()


# ---------------------------------------------------------------- the messy teaching set
# Small files, each with one kind of defect a real export has. Rows are 0-based positions in
# the data; in the README they are spreadsheet rows (header = row 1, so position i = row i + 2).

MESSY_ROWS = 20
EXCEL_LINE_END = "\r\n"  # files "saved from Excel" use Windows line ends
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
GROUP_HEADERS = (
    ("基本信息", "customer_id", "member"),
    ("交易", "first_purchase_date", "purchase_potential"),
    ("评价", "satisfaction", "joint_projects"),
)
INSTRUCTIONS = (
    "客户数据导出说明",
    "1. 本文件由 CRM 系统导出，数据在第二个工作表「客户数据」中。",
    "2. 金额单位为人民币元，日期格式为 年-月-日。",
    "3. 满意度、信任度、合作意愿为 1–5 分；推荐意愿为 0–10 分。",
    "4. 请勿修改表头，否则系统无法识别。",
)


def _zh_text(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Cells as a Chinese export writes them: 大型/标准型/销售, 是/否, Chinese headers."""
    text = as_text(frame)
    for col, mapping in ZH_VALUES.items():
        if col in text.columns:
            text[col] = text[col].replace(mapping)
    for col in BOOLS:
        if col in text.columns:
            text[col] = text[col].replace({"true": "是", "false": "否"})
    return text.rename(columns=columns)


def _csv(text: pd.DataFrame, sep: str = ",", line_end: str = EXCEL_LINE_END) -> str:
    return text.to_csv(index=False, sep=sep, lineterminator=line_end)


def _messy_pick(seed: int, frame: pd.DataFrame, k: int, label: str) -> pd.DataFrame:
    """``k`` rows of ``frame`` chosen at random (fixed by seed and label), in their original order."""
    rng = _rng(seed, label)
    return frame.iloc[np.sort(rng.choice(len(frame), k, replace=False))].reset_index(drop=True)


def _customers_zh(customers: pd.DataFrame) -> pd.DataFrame:
    return _zh_text(customers, CUSTOMER_COLUMNS)


def _fullwidth(text: pd.Series) -> pd.Series:
    return text.str.translate(FULLWIDTH_DIGITS)


def _money_text(values: pd.Series, pattern: str) -> pd.Series:
    return values.map(pattern.format, na_action="ignore").fillna("")


def _mixed_dates(dates: pd.Series) -> pd.Series:
    """Dates cycling through 2026/1/5, 2026-01-05, 2026年1月5日, 2026.01.05 (empty stays empty)."""
    y, m, d = (
        dates.dt.year.astype("Int64").astype(str),
        dates.dt.month.astype("Int64").astype(str),
        dates.dt.day.astype("Int64").astype(str),
    )
    styles = [
        y + "/" + m + "/" + d,
        dates.dt.strftime("%Y-%m-%d"),
        y + "年" + m + "月" + d + "日",
        dates.dt.strftime("%Y.%m.%d"),
    ]
    which = np.arange(len(dates)) % 4
    out = pd.Series(
        np.select([which == i for i in range(4)], [s.astype(object) for s in styles]), index=dates.index
    )
    return out.where(dates.notna(), "")


def _set(text: pd.DataFrame, column: str, cells: dict[int, str]) -> pd.DataFrame:
    out = text.copy()
    for position, value in cells.items():
        out.loc[position, column] = value
    return out


def _messy_customer_texts(sample: Sample, seed: int) -> dict[str, bytes]:
    """The customer CSV/TXT files of the teaching set, name → bytes."""
    base = _messy_pick(seed, sample.customers, MESSY_ROWS, "messy-customers")
    zh = _customers_zh(base)
    c = CUSTOMER_COLUMNS
    files: dict[str, bytes] = {
        "customers_gbk.csv": _csv(zh).encode("gbk"),
        "customers_utf8_bom.csv": _csv(zh).encode("utf-8-sig"),
        "customers_utf16_tab.txt": b"\xff\xfe" + _csv(zh, sep="\t").encode("utf-16-le"),
    }
    money = zh.copy()
    money[c["revenue_12m"]] = _money_text(base["revenue_12m"], "¥{:,.2f}")
    money[c["gross_profit_12m"]] = _money_text(base["gross_profit_12m"], "{:,.2f}")
    money[c["purchase_potential"]] = _money_text(base["purchase_potential"], "{:,.0f}")
    money[c["overdue_amount"]] = _money_text(base["overdue_amount"], "¥{:,.2f}")
    money[c["orders_12m"]] = _fullwidth(money[c["orders_12m"]])
    files["customers_currency_text.csv"] = _csv(money).encode("utf-8")
    dates = zh.copy()
    for col in ("first_purchase_date", "last_purchase_date"):
        dates[c[col]] = _mixed_dates(base[col])
    files["customers_mixed_dates.csv"] = _csv(dates).encode("utf-8")
    files["customers_missing_column.csv"] = _csv(zh.drop(columns=c["satisfaction"])).encode("utf-8")
    english = as_text(base).rename(columns={"satisfaction": "satisfacton", "customer_id": "custmer_id"})
    files["customers_misspelled_column.csv"] = _csv(english, line_end="\n").encode("utf-8")
    wrong = _set(_set(zh, c["orders_12m"], {2: "很多"}), c["revenue_12m"], {7: "abc"})
    files["customers_wrong_types.csv"] = _csv(wrong).encode("utf-8")
    out_of_range = _set(
        _set(_set(zh, c["satisfaction"], {1: "6", 8: "0"}), c["recommend_score"], {4: "11"}),
        c["trust"],
        {11: "-1"},
    )
    files["customers_out_of_range.csv"] = _csv(out_of_range).encode("utf-8")
    duplicated = pd.concat([zh.iloc[:15], zh.iloc[[3, 10]], zh.iloc[15:]], ignore_index=True)
    files["customers_duplicate_ids.csv"] = _csv(duplicated).encode("utf-8")
    files["customers_blank_ids.csv"] = _csv(_set(zh, c["customer_id"], {5: "", 13: ""})).encode("utf-8")
    bad_dates = _set(zh, c["last_purchase_date"], {3: "2026-13-45", 9: "昨天"})
    files["customers_bad_dates.csv"] = _csv(bad_dates).encode("utf-8")
    files["customers_last_before_first.csv"] = _csv(_swap_dates(zh, base, 2)).encode("utf-8")
    bad_category = _set(_set(zh, c["company_size"], {2: "超大型"}), c["customer_group"], {6: "VIP"})
    files["customers_bad_category.csv"] = _csv(bad_category).encode("utf-8")
    files["customers_semicolon.csv"] = _csv(zh, sep=";").encode("utf-8")
    files["customers_fullwidth_comma.csv"] = _csv(zh, sep="，").encode("utf-8")
    many = _set(
        _set(
            _set(_set(zh, c["satisfaction"], {2: "9"}), c["orders_12m"], {5: "十二"}),
            c["first_purchase_date"],
            {8: "2026-02-30"},
        ),
        c["company_size"],
        {11: "巨型"},
    )
    files["customers_many_problems.csv"] = _csv(_set(many, c["name"], {14: ""})).encode("utf-8")
    files["empty.csv"] = b""
    files["customers_header_only.csv"] = _csv(zh.iloc[:0]).encode("utf-8")
    files["customers_blank_lines.csv"] = _blank_lines(zh).encode("utf-8")
    return files


def _swap_dates(zh: pd.DataFrame, base: pd.DataFrame, k: int) -> pd.DataFrame:
    """First and last purchase swapped in the first ``k`` rows where they differ."""
    first, last = CUSTOMER_COLUMNS["first_purchase_date"], CUSTOMER_COLUMNS["last_purchase_date"]
    rows = np.flatnonzero((base["last_purchase_date"] > base["first_purchase_date"]).to_numpy())[:k]
    out = zh.copy()
    out.loc[rows, [first, last]] = zh.loc[rows, [last, first]].to_numpy()
    return out


def _blank_lines(zh: pd.DataFrame) -> str:
    """Valid rows with empty lines, a row of bare commas and stray spaces around ids and headers."""
    text = zh.copy()
    text.columns = [f"{h} " if i % 3 == 0 else h for i, h in enumerate(text.columns)]
    id_col = text.columns[0]
    text[id_col] = text[id_col] + np.where(np.arange(len(text)) % 2 == 0, "  ", "")
    lines = _csv(text).split(EXCEL_LINE_END)
    empty_row = "," * (len(text.columns) - 1)
    body = [*lines[:1], "", *lines[1:6], "", "", *lines[6:12], empty_row, *lines[12:]]
    return EXCEL_LINE_END.join(body)


def _messy_other_texts(sample: Sample, seed: int) -> dict[str, bytes]:
    """Teaching files for transactions, the NPS survey and SERVQUAL."""
    orders = _messy_pick(seed, sample.transactions, MESSY_ROWS, "messy-transactions")
    zh = _zh_text(orders, TRANSACTION_COLUMNS)
    amount, profit = TRANSACTION_COLUMNS["amount"], TRANSACTION_COLUMNS["gross_profit"]
    bad = _set(_set(zh, amount, {2: "0.00", 6: "-1280.00"}), profit, {2: "0.00", 6: "-1280.00"})
    too_much = float(orders.loc[11, "amount"]) * 1.2
    files = {"transactions_bad_amounts.csv": _csv(_set(bad, profit, {11: f"{too_much:.2f}"})).encode("utf-8")}
    cid = TRANSACTION_COLUMNS["customer_id"]
    files["transactions_unknown_customers.csv"] = _csv(
        _set(zh, cid, {4: "C09001", 9: "C09002", 15: "C09001"})
    ).encode("utf-8")
    answers = _zh_text(_messy_pick(seed, sample.nps_survey, MESSY_ROWS, "messy-nps"), NPS_COLUMNS)
    rec, touch = NPS_COLUMNS["recommend_score"], NPS_COLUMNS["touchpoint"]
    answers = _set(_set(answers, rec, {3: "11", 8: "十"}), touch, {5: "售后服务部"})
    files["nps_bad_scores.csv"] = _csv(answers).encode("utf-8")
    sq = _zh_text(_messy_pick(seed, sample.servqual, 15, "messy-servqual"), SERVQUAL_COLUMNS)
    imp_r, imp_e = SERVQUAL_COLUMNS["imp_reliability"], SERVQUAL_COLUMNS["imp_empathy"]
    sq = _set(sq, imp_r, {2: str(int(sq.loc[2, imp_r]) + 10), 7: str(int(sq.loc[7, imp_r]) - 10)})
    sq = _set(sq, imp_e, {7: str(int(sq.loc[7, imp_e]) - 5)})
    sq = _set(sq, SERVQUAL_COLUMNS["per_responsiveness_2"], {4: "8"})
    files["servqual_bad_importance.csv"] = _csv(sq).encode("utf-8")
    return files


def _xlsx_values(customers: pd.DataFrame) -> list[list[object]]:
    """Rows of Python values as Excel holds them: numbers, datetimes, Chinese codes, None for empty."""
    zh = _customers_zh(customers)
    cols = []
    for col in CUSTOMER_COLUMNS:
        series = customers[col]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            cols.append([None if pd.isna(v) else v.to_pydatetime() for v in series])
        elif pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            cols.append([None if pd.isna(v) else v for v in series.to_numpy(dtype=object)])
        else:
            cols.append([v or None for v in zh[CUSTOMER_COLUMNS[col]]])
    return [list(row) for row in zip(*cols, strict=True)]


def _workbook_bytes(sheets: list[tuple[str, list[list[object]], list[str]]]) -> bytes:
    """An .xlsx with the given (title, rows, merged ranges) sheets and fixed metadata."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    book.properties.creator = "workbook"
    for title, rows, merged in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        for cell_range in merged:
            sheet.merge_cells(cell_range)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return deterministic_xlsx(buffer.getvalue())


def _messy_workbooks(sample: Sample, seed: int) -> dict[str, bytes]:
    from openpyxl.utils import get_column_letter

    base = _messy_pick(seed, sample.customers, MESSY_ROWS, "messy-customers-xlsx")
    values = _xlsx_values(base)
    header = list(CUSTOMER_COLUMNS.values())
    position = {col: i + 1 for i, col in enumerate(CUSTOMER_COLUMNS)}
    last = get_column_letter(len(header))
    group_row: list[object] = [None] * len(header)
    merged = [f"A1:{last}1"]
    for title, start, end in GROUP_HEADERS:
        group_row[position[start] - 1] = title
        merged.append(f"{get_column_letter(position[start])}2:{get_column_letter(position[end])}2")
    title_row = ["2026年客户清单", *[None] * (len(header) - 1)]
    prose = [[line] for line in INSTRUCTIONS]
    return {
        "customers_merged_header.xlsx": _workbook_bytes(
            [("客户清单", [title_row, group_row, header, *values], merged)]
        ),
        "customers_second_sheet.xlsx": _workbook_bytes(
            [("说明", prose, []), ("客户数据", [header, *values], [])]
        ),
        "customers_no_header.xlsx": _workbook_bytes([("Sheet1", values[:15], [])]),
    }


def write_messy(folder: str | Path, sample: Sample, seed: int = SEED) -> list[Path]:
    """Write the bad-input teaching files (see ``datasets/messy/README.md``) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        **_messy_customer_texts(sample, seed),
        **_messy_other_texts(sample, seed),
        **_messy_workbooks(sample, seed),
    }
    for name, blob in files.items():
        (folder / name).write_bytes(blob)
    return [folder / name for name in files]


def random_answers(instrument_id: str, rng: np.random.Generator) -> dict[str, int]:
    """One made-up respondent: a uniformly random whole number on the scale of every numeric item.

    For demonstrations, load tests and benchmarks of the self-assessment (choice and free-text items
    are left unanswered: they are optional in the built-in questionnaires).

    >>> answers = random_answers("pulse", np.random.default_rng(1))
    >>> sorted(answers), all(isinstance(v, int) for v in answers.values())
    (['ces', 'csat', 'recommend'], True)
    """
    from workbook.instruments import load_instrument  # the sample data itself needs no questionnaire

    instrument = load_instrument(instrument_id)
    answers = {}
    for item in instrument.items:
        scale = instrument.scales[instrument.scale_of(item)]
        if scale.type == "numeric":
            answers[item.id] = int(rng.integers(scale.min, scale.max + 1))
    return answers


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m workbook.datasets regenerate [--out DIR] [--seed N]``."""
    from workbook.i18n import t

    parser = argparse.ArgumentParser(prog="python -m workbook.datasets", description=t("datasets.cli_help"))
    commands = parser.add_subparsers(dest="command", required=True)
    regen = commands.add_parser("regenerate", help=t("datasets.cli_regenerate"))
    regen.add_argument("--out", type=Path, default=DATASETS_DIR, help=t("datasets.cli_out"))
    regen.add_argument("--seed", type=int, default=SEED, help=t("datasets.cli_seed"))
    args = parser.parse_args(argv)
    written = regenerate(args.out, args.seed)
    print(t("datasets.written", n=len(written), folder=str(args.out)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
