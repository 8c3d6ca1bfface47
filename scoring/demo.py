"""Demo data (演示数据): a deterministic, believable city for the app to start on.

About 40 departments in four ranking groups, their 科室, the 政务服务中心's
窗口, a handful of 政府投资项目指挥部, a 领导班子 and three cadres per department;
per year tens of thousands of 万人评议 ballots, 绩效考核 scores, 勤廉测评 votes
and 加减分, with enough spread that ties, vetoes, warnings and a second-year
escalation all occur. The same seed always gives the same data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.scheme import Scheme, default_scheme
from scoring.store import Store

__all__ = ["DEMO_YEARS", "DemoCity", "generate", "load_demo", "write_sample_sheets"]

DEMO_YEARS = (2024, 2025)

DEPARTMENTS = {
    "综合管理类": [
        "市发展和改革委员会",
        "市教育局",
        "市科学技术局",
        "市工业和信息化局",
        "市民政局",
        "市司法局",
        "市财政局",
        "市人力资源和社会保障局",
        "市审计局",
        "市统计局",
    ],
    "执法监管类": [
        "市公安局",
        "市自然资源和规划局",
        "市生态环境局",
        "市住房和城乡建设局",
        "市交通运输局",
        "市城市管理局",
        "市市场监督管理局",
        "市应急管理局",
        "市农业农村局",
        "市水利局",
    ],
    "社会服务类": [
        "市卫生健康委员会",
        "市文化广电和旅游局",
        "市退役军人事务局",
        "市医疗保障局",
        "市住房公积金管理中心",
        "市体育局",
        "市民族宗教事务局",
        "市信访局",
        "市政务服务中心",
        "市机关事务管理局",
    ],
    "经济发展类": [
        "市商务局",
        "市国有资产监督管理委员会",
        "市地方金融管理局",
        "市投资促进局",
        "市粮食和物资储备局",
        "市供销合作社",
        "市林业局",
        "市口岸办公室",
        "市大数据管理局",
        "市乡村振兴局",
    ],
}
SHORT = {
    "市发展和改革委员会": "市发改委",
    "市人力资源和社会保障局": "市人社局",
    "市市场监督管理局": "市市场监管局",
    "市卫生健康委员会": "市卫健委",
    "市国有资产监督管理委员会": "市国资委",
    "市住房和城乡建设局": "市住建局",
}
SECTIONS = [("办公室", "综合科室类"), ("政策法规科", "业务科室类")]
WINDOWS = [
    "公安窗口",
    "市场监管窗口",
    "不动产登记窗口",
    "税务窗口",
    "社保窗口",
    "公积金窗口",
    "住建窗口",
    "交通窗口",
    "卫健窗口",
    "医保窗口",
    "民政窗口",
    "综合受理窗口",
]
PROJECTS = [
    "市东部新城建设指挥部",
    "市轨道交通一号线建设指挥部",
    "市滨江公园建设指挥部",
    "市老旧小区改造指挥部",
    "市中心医院新院区建设指挥部",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰海燕晓东晨宇"
CATEGORY_MIX = {
    "服务对象": 0.35,
    "企业代表": 0.2,
    "人大代表政协委员": 0.08,
    "基层单位": 0.15,
    "群众": 0.22,
}
COMMENTS = [
    "办事流程还可以再简化",
    "窗口人员态度很好，点赞",
    "希望推行网上办理",
    "有时候电话打不通",
    "跑了好几趟才办完",
    "工作人员业务熟练，效率高",
    "建议公开办事指南",
    "基层走访次数偏少",
    "执法尺度不够统一",
    "整体比去年有进步",
]
ADJUSTMENT_EVENTS = [
    ("月检查", "月度效能检查发现工作人员上班时间脱岗", (-2.0, -0.5)),
    ("暗访", "暗访发现窗口人员办事推诿", (-3.0, -1.0)),
    ("效能投诉", "群众效能投诉经查属实", (-2.0, -1.0)),
    ("督查", "重点工作督查进度滞后", (-2.0, -0.5)),
    ("表彰", "获省级以上表彰", (1.0, 3.0)),
]


@dataclass(frozen=True)
class DemoCity:
    """Registry and per-year fact frames, in the store's normalised shape."""

    units: pd.DataFrame
    facts: dict[int, dict[str, pd.DataFrame]]


def _people(rng: np.random.Generator, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < count:
        name = rng.choice(list(SURNAMES)) + "".join(
            rng.choice(list(GIVEN), size=rng.integers(1, 3))
        )
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _registry(rng: np.random.Generator) -> pd.DataFrame:
    rows: list[tuple[str, list[str], str, str | None, str | None]] = []
    depts = [(d, g) for g, ds in DEPARTMENTS.items() for d in ds]
    cadres = iter(_people(rng, 3 * len(depts)))
    for dept, group in depts:
        short = SHORT.get(dept)
        rows.append((dept, [short] if short else [], "部门", None, group))
        for section, sgroup in SECTIONS:
            rows.append((f"{dept}{section}", [], "科室", dept, sgroup))
        rows.append((f"{dept}领导班子", [], "领导班子", dept, None))
        for _ in range(3):
            rows.append((next(cadres), [], "干部", dept, None))
    for w in WINDOWS:
        rows.append((f"市政务服务中心{w}", [], "窗口", "市政务服务中心", "窗口服务类"))
    for p in PROJECTS:
        rows.append((p, [], "项目", None, "项目指挥部类"))
    return pd.DataFrame(rows, columns=["name", "aliases", "type", "parent", "group"])


def _appraisal(rng, year, depts, quality, scheme: Scheme):
    items = list(scheme.items)
    cats = list(CATEGORY_MIX)
    answer_rows, comment_rows = [], []
    serial = 0
    for dept in depts:
        q = quality[dept]
        n = int(rng.integers(450, 750))
        mix = np.array(list(CATEGORY_MIX.values()))
        if dept == "市口岸办公室":  # no 人大代表政协委员 ballots: renormalised and flagged
            mix[cats.index("人大代表政协委员")] = 0
        mix = mix / mix.sum()
        categories = rng.choice(cats, size=n, p=mix)
        base = np.clip(0.55 + 0.13 * q + rng.normal(0, 0.05, size=(n, 1)), 0.15, 0.95)
        item_shift = rng.normal(0, 0.04, size=(1, len(items)))
        p_sat = np.clip(base + item_shift, 0.05, 0.97)
        basic = float(np.clip(0.65 + 0.06 * q, 0.4, 0.8))  # weak units draw more 不满意
        u = rng.random((n, len(items)))
        answers = np.where(
            u < p_sat, "满意", np.where(u < p_sat + (1 - p_sat) * basic, "基本满意", "不满意")
        )
        unknown = rng.random((n, len(items))) < np.where(categories == "群众", 0.12, 0.04)[:, None]
        answers = np.where(unknown, "不了解", answers)
        straight = rng.random(n) < 0.01  # a few straight-lined ballots, as in real returns
        answers[straight] = answers[straight, :1]
        ids = [f"{year}-{serial + i:06d}" for i in range(n)]
        serial += n
        frame = pd.DataFrame(answers, columns=items)
        frame["ballot"] = ids
        frame["category"] = categories
        frame["unit"] = dept
        answer_rows.append(
            frame.melt(id_vars=["ballot", "unit", "category"], var_name="item", value_name="answer")
        )
        with_comment = rng.random(n) < 0.04
        for i in np.flatnonzero(with_comment):
            comment_rows.append((ids[i], dept, categories[i], rng.choice(COMMENTS)))
    answers = pd.concat(answer_rows, ignore_index=True)
    answers["n"] = 1
    comments = pd.DataFrame(comment_rows, columns=["ballot", "unit", "category", "text"])
    return answers, comments


def _performance(rng, year, units, quality, scheme: Scheme):
    rows = []
    maxes = {"工作效率": 30.0, "工作质量": 30.0, "工作纪律": 20.0, "服务态度": 20.0}
    tie_scores: dict[str, list[float]] = {}
    for unit in units:
        q = quality[unit]
        for ind in scheme.indicators:
            full = maxes.get(ind, scheme.default_max)
            if unit in ("市政务服务中心税务窗口", "市政务服务中心社保窗口"):
                # Two windows with the same marks: a tie the ranking must show.
                marks = tie_scores.setdefault(
                    ind, list(np.round(np.clip(rng.normal(0.9, 0.04, 6), 0.5, 1) * full * 2) / 2)
                )
            else:
                marks = list(
                    np.round(np.clip(rng.normal(0.84 + 0.05 * q, 0.06, 6), 0.3, 1) * full * 2) / 2
                )
            for month, mark in enumerate(marks, start=1):
                rows.append(
                    (unit, ind, float(mark), full, "市效能办考核组", f"{year}-{2 * month:02d}")
                )
    return pd.DataFrame(
        rows, columns=["unit", "indicator", "score", "max_score", "scorer", "month"]
    )


def _integrity(rng, teams_and_cadres, quality):
    rows = []
    results = ["优秀", "称职", "基本称职", "不称职"]
    for unit, kind in teams_and_cadres:
        q = quality[unit]
        n = int(rng.integers(40, 80)) if kind == "领导班子" else int(rng.integers(8, 30))
        p = np.array([0.45 + 0.15 * q, 0.4, 0.1 - 0.03 * q, 0.05])
        if quality.get(("unfit", unit)):
            p = np.array([0.2, 0.25, 0.15, 0.4])
        p = np.clip(p, 0.01, None)
        p = p / p.sum()
        votes = rng.choice(results, size=n, p=p)
        cats = rng.choice(["本单位干部职工", "服务对象", "上级领导"], size=n, p=[0.6, 0.3, 0.1])
        rows += [(unit, c, v, 1) for c, v in zip(cats, votes, strict=True)]
    return pd.DataFrame(rows, columns=["unit", "category", "result", "n"])


def _adjustments(rng, year, units, quality):
    rows = []
    for unit in units:
        k = rng.poisson(0.9 if quality[unit] < 0 else 0.5)
        for _ in range(k):
            source, reason, (lo, hi) = ADJUSTMENT_EVENTS[rng.integers(len(ADJUSTMENT_EVENTS))]
            if source == "表彰" and quality[unit] < -0.5:
                continue
            points = float(np.round(rng.uniform(lo, hi) * 2) / 2)
            day = pd.Timestamp(
                year=year, month=int(rng.integers(1, 12)), day=int(rng.integers(1, 28))
            )
            rows.append(
                (
                    unit,
                    reason,
                    points,
                    source,
                    day.date(),
                    f"效能办〔{year}〕{int(rng.integers(1, 60))}号",
                )
            )
    if year == 2025:
        rows.append(
            (
                "市水利局",
                "在建工程发生较大安全责任事故",
                0.0,
                "一票否决",
                pd.Timestamp(year=year, month=8, day=16).date(),
                f"市纪委〔{year}〕12号",
            )
        )
    return pd.DataFrame(rows, columns=["unit", "reason", "points", "source", "date", "basis"])


def generate(
    years: tuple[int, ...] = DEMO_YEARS, seed: int = 20251231, scheme: Scheme | None = None
) -> DemoCity:
    """Build the demo city; deterministic in ``seed``."""
    scheme = scheme or default_scheme()
    rng = np.random.default_rng(seed)
    units = _registry(rng)
    names = units["name"].tolist()
    base_quality = {n: float(rng.normal(0, 1)) for n in names}
    # A department that stays weak, for 末位告诫 two years running.
    base_quality["市信访局"] = -2.4
    base_quality["市林业局"] = -1.6
    base_quality[units.loc[units["type"] == "干部", "name"].iloc[4]] = 0.0
    by_type = {t: units.loc[units["type"] == t, "name"].tolist() for t in units["type"].unique()}
    facts: dict[int, dict[str, pd.DataFrame]] = {}
    for year in years:
        quality = {n: q + float(rng.normal(0, 0.35)) for n, q in base_quality.items()}
        quality[("unfit", by_type["干部"][4])] = True
        answers, comments = _appraisal(rng, year, by_type["部门"], quality, scheme)
        assessed = by_type["部门"] + by_type["科室"] + by_type["窗口"] + by_type["项目"]
        facts[year] = {
            "appraisal": {"appraisal_answers": answers, "appraisal_comments": comments},
            "performance": {
                "performance_scores": _performance(rng, year, assessed, quality, scheme)
            },
            "integrity": {
                "integrity_votes": _integrity(
                    rng,
                    [(n, "领导班子") for n in by_type["领导班子"]]
                    + [(n, "干部") for n in by_type["干部"]],
                    quality,
                )
            },
            "adjustments": {"adjustments": _adjustments(rng, year, assessed, quality)},
        }
    return DemoCity(units, facts)


SOURCE_FILES = {
    "appraisal": "万人评议",
    "performance": "绩效考核",
    "integrity": "勤廉测评",
    "adjustments": "加减分",
}


def _digest(frames: dict[str, pd.DataFrame]) -> str:
    h = hashlib.sha256()
    for name, frame in sorted(frames.items()):
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(frame.astype(str), index=False).values.tobytes())
    return h.hexdigest()


# The demo's 科室, 窗口 and 项目指挥部 are judged on 绩效考核 alone: the office appraises
# (万人评议) and votes on (勤廉测评) departments, not these. Its scheme says so per group,
# as an office's would, so that no result calls their absence missing data.
PERFORMANCE_ONLY_GROUPS = ("综合科室类", "业务科室类", "窗口服务类", "项目指挥部类")


def scheme_text() -> str:
    """The demo city's scheme: the default, with its performance-only groups."""
    from scoring.scheme import default_text

    groups = "".join(
        f'\n[groups."{g}"]  # 仅考核绩效\ncomposite.weights = {{ performance = 1.0 }}\n'
        for g in PERFORMANCE_ONLY_GROUPS
    )
    return default_text().rstrip("\n") + "\n" + groups


def load_demo(store: Store, years: tuple[int, ...] = DEMO_YEARS, user: str = "演示数据") -> int:
    """Fill the store with the demo city (and its scheme, for a year that has none);
    returns the number of uploads created."""
    city = generate(years)
    store.upsert_units(city.units)
    for year in city.facts:
        if store.scheme_text(year) is None:
            store.set_scheme(
                year, "演示方案", scheme_text(), user, "科室、窗口、项目指挥部仅考核绩效"
            )
    created = 0
    for year, sources in city.facts.items():
        for source, frames in sources.items():
            answers = frames.get("appraisal_answers")
            # As an import counts them: a ballot sheet's rows are its ballots.
            rows = (
                int(answers["ballot"].nunique())
                if answers is not None
                else max(len(f) for f in frames.values())
            )
            _, new = store.add_upload(
                year=year,
                file=f"演示数据-{year}年{SOURCE_FILES[source]}.xlsx",
                source=source,
                sha256=_digest(frames),
                user=user,
                rows=rows,
                facts=frames,
            )
            created += new
    return created


def write_sample_sheets(out_dir: str | Path, year: int = 2026, seed: int = 2026) -> list[Path]:
    """Sheets an evaluator might bring for a new year, to try the upload page with:
    a registry, a messy ballot sheet, a wide performance sheet, a GBK adjustments CSV,
    and one ballot sheet with mistakes (to see the validation report)."""
    from openpyxl import Workbook

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    city = generate((year,))  # the default seed: the same registry as load_demo's
    units = city.units
    depts = units.loc[units["type"] == "部门", "name"].tolist()
    written = []

    def save(rows: list[list], name: str, title: str | None = None) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = name.split("（")[0][:31]
        if title:
            ws.append([title])
            ws.append([])
        for r in rows:
            ws.append(r)
        path = out / f"{name}.xlsx"
        wb.save(path)
        written.append(path)

    registry = [["单位名称", "简称", "类型", "上级单位", "考核类别"]]
    for r in units.itertuples(index=False):
        registry.append([r.name, "、".join(r.aliases), r.type, r.parent, r.group])
    save(registry, "单位名录")

    answers = city.facts[year]["appraisal"]["appraisal_answers"]
    wide = answers.pivot_table(
        index=["ballot", "unit", "category"], columns="item", values="answer", aggfunc="first"
    ).reset_index()
    wide = wide.iloc[rng.permutation(len(wide))[:400]].sort_values("ballot")
    items = list(default_scheme().items)
    rows = [["问卷编号", "被评单位", "评议人类别", *items, "意见建议"]]
    for r in wide.itertuples(index=False):
        d = r._asdict()
        unit = SHORT.get(d["unit"], d["unit"])  # some sheets use 简称
        rows.append(
            [
                d["ballot"],
                unit,
                d["category"],
                *[None if d[i] == "不了解" else d[i] for i in items],
                None,
            ]
        )
    rows.append(["合计", f"{len(wide)} 份"])
    save(rows, f"{year}年度万人评议问卷（第一批）", f"{year}年度机关效能建设万人评议问卷录入表")

    perf = city.facts[year]["performance"]["performance_scores"]
    perf = perf[perf["unit"].isin(depts)]
    table = perf.groupby(["unit", "indicator"])["score"].mean().unstack()
    table = (
        table / pd.Series({"工作效率": 30, "工作质量": 30, "工作纪律": 20, "服务态度": 20}) * 100
    ).round(1)
    save(
        [
            ["考核对象", *table.columns],
            *[[u, *row] for u, row in zip(table.index, table.to_numpy().tolist(), strict=True)],
        ],
        f"{year}年度部门绩效考核（宽表）",
    )

    adj = city.facts[year]["adjustments"]["adjustments"]
    csv_path = out / f"{year}年度加减分.csv"
    adj.rename(
        columns={
            "unit": "对象",
            "reason": "事由",
            "points": "分值",
            "source": "来源",
            "date": "日期",
            "basis": "依据",
        }
    ).to_csv(csv_path, index=False, encoding="gbk")
    written.append(csv_path)

    bad = [
        ["问卷编号", "被评单位", "评议人类别", *items],
        [f"{year}-X0001", "市教育厅", "服务对象", *["满意"] * 6],
        [f"{year}-X0002", "市教育局", "路人", "很满意", *["满意"] * 5],
        [f"{year}-X0002", "市教育局", "群众", *["基本满意"] * 6],
    ]
    save(bad, f"{year}年度万人评议问卷（有错误，用于演示校验）")
    return written
