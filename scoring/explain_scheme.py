"""The year's scheme in words (考评规则说明), generated from the scheme itself.

The 说明 page, the workbook and the 通报 say what the rules are from the same
``Scheme`` the results were computed with, so the words never disagree with the
numbers. ``rules(scheme)`` gives sections of plain sentences.

>>> from scoring.scheme import default_scheme
>>> "至少 10 票" in honour_rules(default_scheme())["最佳公务员"]
True
"""

from __future__ import annotations

from scoring.scheme import Scheme

__all__ = ["INTERVAL_TEXT", "NOT_SIGNIFICANT_TEXT", "honour_rules", "rules"]

COMPONENTS = {"appraisal": "万人评议", "performance": "绩效考核", "integrity": "勤廉测评"}

INTERVAL_TEXT = (
    "万人评议、绩效考核和勤廉测评的得分都来自抽样（问卷、评分人、测评票），换一批人得分会略有"
    "不同。「{level} 区间」是对这种抽样波动的估计：按同样方法反复抽样，约 {level} 的区间会包含"
    "真实得分。万人评议的区间按问卷计算（同一份问卷的各题一起计），在对数几率尺度上以公布的"
    "得分为中心取值，始终包含该得分并落在 0～100 之内；问卷汇总表没有逐份数据，按本年度逐份"
    "问卷测得的题目相关程度放宽，没有逐份问卷时按题目完全相关的保守上限计。"
    "综合得分的区间由各组成部分的抽样误差按权重"
    "合成；加减分是记录在案的事实，不计误差；区间超出该单位综合得分可能的范围（按各部分的"
    "最低、最高分值和权重，加上加减分）时，超出部分截去并注明。区间越窄，得分越可靠。"
)
NOT_SIGNIFICANT_TEXT = (
    "每条告诫都写明它有多可靠（「差异显著」：是／否／无法判断／不适用）。末位告诫：与前一名"
    "综合得分之差及其区间——区间包含 0 即「排名差异不显著」，并给出该单位为真实末位的概率；"
    "效能告诫：综合得分的区间是否整体低于分数线；重点监督检查：满意率的区间（按问卷份数计）"
    "是否整体低于门槛；一票否决按规则认定，不作统计判断（不适用）；数据不足以估计误差时"
    "写「无法判断」。告诫照常作出，「否」提醒在约谈与整改中结合其他材料核实。"
)


def _pct(x: float) -> str:
    return f"{x:.0%}" if abs(x * 100 - round(x * 100)) < 1e-9 else f"{x:.2%}"


def _weights(mapping, names=None) -> str:
    """Weights as shares of their total (the scheme may give 1, 1, 1 or 0.3, 0.2 …)."""
    total = sum(float(w) for w in mapping.values()) or 1.0
    return "、".join(
        f"{(names or {}).get(k, k)} {_pct(float(w) / total)}" for k, w in mapping.items()
    )


def _num(x: float) -> str:
    return f"{x:g}"


def honour_rules(scheme: Scheme) -> dict[str, str]:
    """The rule of each honour, as the 通报 states it beside the names."""
    top = scheme.top_grade
    bad = "、".join(scheme.inefficient_grades) or scheme.floor_grade
    kind = scheme.best_section_type
    if scheme.best_section_scope == "department":
        section = (
            f"每个部门（至少有 {scheme.min_sections} 个{kind}参评）中综合得分最高的{kind}，"
            f"且未被一票否决、等次不是{bad}（并列者同时当选）。"
        )
    elif scheme.best_section_scope == "group":
        section = f"每个由{kind}组成的考核类别中，排名第 1 且考评等次为{top}的{kind}。"
    else:
        section = "本方案不评最佳科室。"
    return {
        "最佳科室": section,
        "最佳公务员": (
            f"每个部门中，得到至少 {scheme.best_cadre_min_votes} 票、且未被标注"
            f"「{scheme.integrity_unfit}票超过 {_pct(scheme.unfit_flag_share)}」的干部里，"
            f"勤廉测评{scheme.integrity_excellent}率最高者（并列者同时当选）。"
        ),
    }


def _grade_lines(scheme: Scheme) -> list[str]:
    lines = []
    for band in scheme.grade_bands[:-1]:
        line = f"{band.name}：综合得分不低于 {_num(band.min)} 分"
        if band.top_share:
            line += f"，且名次在本类别前 {_pct(band.top_share)}（向上取整）以内"
        lines.append(line + "。")
    lines.append(
        f"{scheme.floor_grade}：其余单位，以及被一票否决的单位。"
        f"比较时得分保留 {scheme.decimals} 位小数。"
    )
    lines.append("没有考核类别的（领导班子、干部）只计分，不排名、不定等次。")
    return lines


def _last_place_line(scheme: Scheme) -> str:
    rule = scheme.last_place
    who = {
        "last": "排名最后的单位",
        "bottom_n": f"排名最后 {rule.n} 名的单位",
        "bottom_share": f"排名最后 {_pct(rule.share)}（向上取整）的单位",
    }.get(rule.rule, "排名最后的单位")
    line = f"末位告诫：单位数不少于 {rule.min_group} 个的考核类别中，{who}"
    if rule.below:
        line += f"，且综合得分低于 {_num(rule.below)} 分"
    return line + "。"


def rules(scheme: Scheme) -> list[tuple[str, list[str]]]:
    """Every rule of the scheme, by section, in sentences an office reads out."""
    points = "、".join(f"「{a}」{_num(p)} 分" for a, p in scheme.appraisal_points.items())
    unknown = "、".join(f"「{a}」" for a in scheme.appraisal_unknown)
    satisfied = "、".join(f"「{a}」" for a in scheme.appraisal_satisfied)
    level = scheme.confidence_label
    sections: list[tuple[str, list[str]]] = [
        (
            "综合得分",
            [
                f"综合得分 = {_weights(scheme.composite_weights, COMPONENTS)} 的加权和，"
                "再加上加减分。某项缺少数据时，其余各项的权重按比例放大。",
            ],
        ),
        (
            "万人评议",
            [
                f"每道题的回答计分：{points}"
                + (f"；{unknown}不计分，也不计入该题的人数。" if unknown else "。"),
                f"各题按权重平均：{_weights(scheme.items)}。",
                f"各类评议人的得分再按权重合成：{_weights(scheme.categories)}；"
                "某类评议人没有问卷时，其余类别的权重按比例放大。",
                f"满意率 = 回答为{satisfied}的题次占全部计分题次的比例。",
                INTERVAL_TEXT.format(level=level),
            ],
        ),
        (
            "绩效考核",
            [
                f"各项指标的权重：{_weights(scheme.indicators)}；"
                f"每项满分 {_num(scheme.default_max)} 分"
                + (
                    "（另有："
                    + "、".join(f"{k} {_num(v)} 分" for k, v in scheme.max_by_indicator.items())
                    + "）"
                    if scheme.max_by_indicator
                    else ""
                )
                + "，得分折算为百分制。",
                f"同一指标有 {scheme.trim_from} 个及以上评分时，"
                "去掉一个最高分和一个最低分后取平均。",
            ],
        ),
        (
            "勤廉测评",
            [
                "每张票计分："
                + "、".join(f"「{a}」{_num(p)} 分" for a, p in scheme.integrity_points.items())
                + "，取平均。",
                f"「{scheme.integrity_unfit}」票超过 {_pct(scheme.unfit_flag_share)} 的，"
                "在结果中提示。",
            ],
        ),
        (
            "加减分",
            [
                f"加分合计最多 {_num(scheme.positive_cap)} 分，减分合计最多 "
                f"{_num(-scheme.negative_cap)} 分。",
                f"来源：{'、'.join(scheme.adjustment_sources)}。",
            ]
            + (
                [
                    f"来源为{'、'.join(scheme.veto_sources)}的事项不加减分，而是一票否决："
                    f"该单位排在本类别最后，考评等次为{scheme.floor_grade}。"
                ]
                if scheme.veto_sources
                else []
            ),
        ),
        ("考评等次", _grade_lines(scheme)),
        (
            "告诫",
            [
                _last_place_line(scheme),
                f"效能告诫：考评等次为{'、'.join(scheme.inefficient_grades)}的单位（含一票否决）。",
                f"重点监督检查：万人评议满意率低于 {_pct(scheme.supervision_below)} 的单位。",
                "连续告诫：本年度受到末位告诫或效能告诫、上一年度也受到其中之一的，标注"
                f"「{scheme.escalation_ladder[0]}」"
                + (
                    "，此后逐年为" + "、".join(f"「{x}」" for x in scheme.escalation_ladder[1:])
                    if len(scheme.escalation_ladder) > 1
                    else ""
                )
                + "。",
            ]
            + (
                [
                    f"末位科室：每个部门（至少有 {scheme.min_sections} 个"
                    f"{scheme.best_section_type}参评）中综合得分最低的"
                    f"{scheme.best_section_type}，对其及负责人效能告诫。"
                ]
                if scheme.last_section_scope == "department"
                else []
            )
            + [NOT_SIGNIFICANT_TEXT],
        ),
        ("评优", [f"{k}：{v}" for k, v in honour_rules(scheme).items()]),
    ]
    return sections
