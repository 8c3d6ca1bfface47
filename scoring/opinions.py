"""意见建议 from 万人评议 ballots: the office reviews them, categorises them (the scheme's
``rectify.comment_tags``: 效率低下, 态度生硬, 推诿扯皮 …), hides abusive text from 领导
views, and routes one to its unit as a 整改 item (来源 意见).

A comment is known by a key made from its content (see migration 032), so the review
stays with it across an undo and re-import of the same file.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from scoring import accounts, rectify
from scoring.rectify_store import RectifyStore
from scoring.scheme import Scheme
from scoring.store import Store

__all__ = ["HIDDEN_TEXT", "comments", "review", "route", "tag_counts"]

HIDDEN_TEXT = "（此条意见已由效能办审阅隐藏）"


def comments(store: Store, user: accounts.User, year: int, unit: str | None = None) -> pd.DataFrame:
    """The year's comments (key, unit, category, ballot, text, tag, hidden). The office sees
    every text; anyone else sees a hidden comment's text replaced."""
    accounts.authorize(user, "view", year=year)
    frame = RectifyStore(store).comments(year, unit)
    if user.role != accounts.ADMIN:
        frame["text"] = frame["text"].where(~frame["hidden"], HIDDEN_TEXT)
    return frame


def review(
    store: Store,
    user: accounts.User,
    year: int,
    key: str,
    *,
    tag: str | None,
    hidden: bool,
    scheme: Scheme,
) -> None:
    """Set a comment's category and whether 领导 views hide it (效能办 only)."""
    accounts.authorize(user, "rectify_manage", year=year)
    tags = rectify.settings(scheme).comment_tags
    if tag is not None and tag not in tags:
        raise rectify.RectifyError(f"意见分类应为 {'、'.join(tags)} 之一，而不是「{tag}」。")
    unit = _unit_of(store, year, key)
    RectifyStore(store).review_comment(key, year, unit, tag, hidden, user.name)


def route(
    store: Store,
    user: accounts.User,
    year: int,
    key: str,
    problem: str | None = None,
    *,
    scheme: Scheme,
    today: date | None = None,
) -> rectify.Item:
    """Open a 整改 item (来源 意见) for the comment's unit; the office may reword the
    problem (e.g. without the abusive words). One item per comment."""
    frame = RectifyStore(store).comments(year)
    row = frame[frame["key"] == key]
    if row.empty:
        raise rectify.RectifyError("找不到这条意见建议（可能所在的上传已被撤销）。")
    r = row.iloc[0]
    tag = f"【{r['tag']}】" if isinstance(r["tag"], str) and r["tag"] else ""
    return rectify.open_item(
        store,
        user,
        year,
        str(r["unit"]),
        rectify.ORIGIN_OPINION,
        problem or f"万人评议意见{tag}：{r['text']}",
        scheme=scheme,
        origin_ref=key,
        evidence=f"{r['category']} 问卷 {r['ballot'] or '（汇总表）'}：{r['text']}",
        today=today,
        note="效能办交办万人评议意见",
    )


def tag_counts(store: Store, year: int, unit: str | None = None) -> pd.DataFrame:
    """Reviewed comments per category (per unit), for the profile: 单位, 分类, 条数."""
    frame = RectifyStore(store).comments(year, unit)
    frame = frame[frame["tag"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=["单位", "分类", "条数"])
    out = frame.groupby(["unit", "tag"], as_index=False).size()
    return out.rename(columns={"unit": "单位", "tag": "分类", "size": "条数"}).sort_values(
        ["单位", "条数"], ascending=[True, False]
    )


def _unit_of(store: Store, year: int, key: str) -> str:
    frame = RectifyStore(store).comments(year)
    row = frame[frame["key"] == key]
    if row.empty:
        raise rectify.RectifyError("找不到这条意见建议（可能所在的上传已被撤销）。")
    return str(row.iloc[0]["unit"])
