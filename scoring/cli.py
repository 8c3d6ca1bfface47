"""The command line (命令行), shared/spec/cli.md: the dashboard's functions for scripts.

Exit status 0 on success, 2 on bad input (the Chinese message on standard error,
nothing stored), 1 on anything else.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from pathlib import Path

from scoring import accounts, imports, results, scheme_preview
from scoring.allocator import keep_freed_memory
from scoring.formats import fmt_span
from scoring.publication import PublicationError
from scoring.rules import round2
from scoring.scale import composite_interval
from scoring.scheme import SchemeError, for_year, parse
from scoring.sources import SOURCE_NAMES, SOURCES
from scoring.store import Store, StoreError, resolve_db_path

__all__ = ["main", "rank_records"]


CONFIRM_PUBLISHED = "管理员确认改动已正式发布年度的数据（公布的结果不变，记入审计日志）"


class BadInput(Exception):
    """Input the user must correct (exit 2)."""


def rank_records(res: results.Results, group: str | None = None) -> list[dict]:
    """The ``rank --format json`` objects of shared/spec/cli.md, one per ranked unit."""
    out = []
    last_rank: dict[str | None, int] = {}
    for u in res.ranked(group):
        last_rank[u.group] = max(last_rank.get(u.group, 0), u.rank or 0)
    for u in res.ranked(group):
        sat = u.satisfaction_rate
        out.append(
            {
                "unit": u.unit,
                "group": u.group,
                "appraisal": round2(u.appraisal),
                "satisfaction_rate": None if sat is None else round(sat, 4),
                "ballots": u.ballots,
                "performance": round2(u.performance),
                "integrity": round2(u.integrity),
                "adjustment": round2(u.adjustment),
                "composite": round2(u.composite),
                "rank": u.rank,
                "grade": u.grade,
                "warnings": list(u.warnings),
                # within the composite's scale (scoring.scale), as every page shows it
                "composite_ci": (
                    None
                    if (ci := composite_interval(u, res.scheme)) is None
                    else [round2(ci.low), round2(ci.high)]
                ),
            }
        )
        if u.rank == last_rank.get(u.group):
            out[-1]["p_last"] = None if u.p_last is None else round(u.p_last, 4)
    return out


def csv_headers(level: str) -> dict[str, str]:
    """``rank --format csv``'s columns: the JSON keys (shared/spec/cli.md), headed by the
    names the pages and the published workbook give them, in the workbook's order."""
    return {
        "rank": "排名",
        "unit": "单位名称",
        "group": "考核类别",
        "composite": "综合得分",
        "grade": "等次",
        "warnings": "告诫",
        "appraisal": results.COMPONENT_NAMES["appraisal"],
        "satisfaction_rate": "满意率",
        "ballots": "问卷数",
        "performance": results.COMPONENT_NAMES["performance"],
        "integrity": results.COMPONENT_NAMES["integrity"],
        "adjustment": "加减分",
        "composite_ci": f"综合得分 {level} 区间",
        "p_last": "为真实末位的概率",
    }


def _rank_csv(records: list[dict], level: str) -> None:
    """The records as CSV with Chinese headers; text that a spreadsheet would run as a
    formula (a leading =, +, -, @, tab or CR) gets a ' in front, as the pages' CSV."""
    import csv

    headers = csv_headers(level)
    writer = csv.writer(sys.stdout)
    writer.writerow(headers.values())
    for r in records:
        ci = r.get("composite_ci")
        cells = {
            **r,
            "warnings": "、".join(r["warnings"]),
            "composite_ci": "" if ci is None else fmt_span(ci[0], ci[1], str),
        }
        writer.writerow(_csv_cell(cells.get(key)) for key in headers)


def _csv_cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return "" if value is None else value


def _table(records: list[dict]) -> str:
    headers = [
        "排名",
        "单位",
        "考核类别",
        "综合得分",
        "等次",
        "万人评议",
        "满意率",
        "问卷数",
        "绩效考核",
        "勤廉测评",
        "加减分",
        "告诫",
    ]
    rows = []
    for r in records:
        sat = "" if r["satisfaction_rate"] is None else f"{r['satisfaction_rate']:.2%}"
        cells = [
            r["rank"],
            r["unit"],
            r["group"],
            r["composite"],
            r["grade"],
            r["appraisal"],
            sat,
            None if r["appraisal"] is None else r["ballots"],  # blank, as in the workbook
            r["performance"],
            r["integrity"],
            r["adjustment"],
            "、".join(r["warnings"]),
        ]
        rows.append(
            ["" if c is None else (f"{c:.2f}" if isinstance(c, float) else str(c)) for c in cells]
        )
    return "\n".join("\t".join(r) for r in [headers, *rows])


def _user(args: argparse.Namespace, store: Store | None = None) -> accounts.User:
    """The account a writing command acts as (``--user NAME``); ``scoring`` then checks its
    role before writing, as for the dashboard.

    The command line is the server's operator: whoever runs it can read and write the
    database file anyway, so it asks for no password; but the account must exist and be
    active, and its role decides what the command may do. A database without any account
    yet (a new test file, the demo before its administrator exists) is not protected by
    accounts: there the command acts as a 管理员 called ``--user`` (default 命令行).
    Without ``--user`` on a database with accounts it may only read (as a 领导 would)."""
    store = store or getattr(args, "opened_store", None)
    if store is None:
        raise RuntimeError("_user needs the open store")
    name = (args.user or "").strip()
    if store.users().empty:
        return accounts.User(name or "命令行", accounts.ADMIN)
    if not name:  # reading needs no account; any write is then refused (see main)
        return accounts.User("命令行", accounts.LEADER)
    user = accounts.operator(store, name)
    if user is None:
        raise BadInput(f"没有名为「{name}」的启用账号；请用 --user 指定一个已启用的账号。")
    return user


def _refused(args: argparse.Namespace, exc: accounts.PermissionDenied) -> str:
    """A write refused: with --user, the account's role does not allow it; without, the
    command line acted as nobody (it only reads) and says so, not as a 领导 the user
    never claimed to be."""
    if args.user or not exc.what:
        return str(exc)
    return (
        f"未用 --user 指定账号时，命令行只能读取，不能{exc.what}；"
        "请用 --user 指定以哪个账号执行（例如 --user admin）。"
    )


def cmd_user_add(args: argparse.Namespace) -> int:
    import secrets

    password = args.password or secrets.token_urlsafe(12)
    sources = [s for s in (args.sources or "").split(",") if s]
    years = [int(y) for y in (args.years or "").split(",") if y]
    with _open(args) as store:
        by = _user(args)
        try:
            change = accounts.plan_account(
                store,
                args.name,
                role=args.role,
                password=password,
                sources=sources if args.sources is not None else None,
                years=years if args.years is not None else None,
            )
            accounts.apply_account(store, change, by)
        except ValueError as exc:
            raise BadInput(str(exc)) from exc
    shown = "" if args.password else f"；初始密码：{password}（只显示这一次，请妥善保管）"
    print(f"账号 {change.name}：{change.summary}{shown}")
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    kind = "address" if args.address else "account"
    with _open(args) as store:
        if not accounts.unlock_sign_in(store, _user(args), args.name, kind):
            raise BadInput(f"{'地址' if args.address else '账号'}「{args.name}」没有被锁定。")
    print(f"已解除{'地址' if args.address else '账号'}「{args.name}」的登录锁定。")
    return 0


def _open(args: argparse.Namespace) -> Store:
    store = Store(resolve_db_path(args.db))
    args.opened_store = store  # for _user
    return store


def cmd_demo(args: argparse.Namespace) -> int:
    from scoring.demo import load_demo

    years = tuple(int(y) for y in args.years.split(",")) if args.years else None
    with _open(args) as store:
        if store.kind() == "office":
            raise BadInput(
                f"数据库 {store.path} 是本单位的正式数据库，不能写入演示数据。"
                "演示请用另一个文件，例如 --db data/demo.duckdb。"
            )
        if store.uploads():
            print(f"数据库 {store.path} 已有数据，未写入演示数据。", file=sys.stderr)
            return 0
        if not store.users().empty:  # accounts exist: only an administrator fills it
            accounts.authorize(_user(args), "units")
        store.mark_kind("demo")
        created = load_demo(store, years) if years else load_demo(store)
        password = accounts.ensure_admin(store)
        print(f"已写入演示数据：{created} 个上传批次，数据库 {store.path}")
        if password:
            print(
                f"已创建管理员账号 admin，初始密码：{password}（只显示这一次，请妥善保管；"
                "可用 python -m scoring --user admin user add admin --role 管理员 "
                "--password … 重设）"
            )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """An office's own empty database (本单位数据库): no demo, an administrator account."""
    with _open(args) as store:
        if store.kind() == "demo":
            raise BadInput(
                f"数据库 {store.path} 是演示数据库，不能用作本单位的正式数据库。"
                "请换一个文件名，例如 --db data/scoring.duckdb。"
            )
        store.mark_kind("office")
        password = accounts.ensure_admin(store)
        print(f"本单位数据库：{store.path}（已有 {len(store.uploads())} 个上传批次）")
        if password:
            print(
                f"已创建管理员账号 admin，初始密码：{password}（只显示这一次，请妥善保管；"
                "可用 python -m scoring --user admin user add admin --role 管理员 "
                "--password … 重设）"
            )
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if args.year not in store.years():
            raise BadInput(
                f"{args.year} 年度没有任何考评数据。已有年度："
                f"{'、'.join(map(str, store.years())) or '无'}"
            )
        res = results.compute(store, args.year)
    if args.group and args.group not in res.groups:
        raise BadInput(f"没有考核类别「{args.group}」。已有类别：{'、'.join(res.groups)}")
    if args.explain:
        unit = res.unit(args.explain)
        if unit is None:
            raise BadInput(f"{args.year} 年度没有单位「{args.explain}」的考评结果。")
        print("\n".join(results.explain(unit, res.scheme, results.shares_rank(res, unit))))
        return 0
    records = rank_records(res, args.group)
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
    elif args.format == "csv":
        _rank_csv(records, res.scheme.confidence_label)
    else:
        print(
            f"{args.year} 年度考评结果（方案：{res.scheme.name}，"
            f"版本 {res.scheme_version or '默认'}）"
        )
        print(_table(records))
    return 0


def cmd_scheme(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if args.set:
            path = Path(args.set)
            if not path.exists():
                raise BadInput(f"找不到方案文件 {path}")
            text = path.read_text(encoding="utf-8")
            try:
                scheme = parse(text)
                reason = args.reason or f"命令行设置，方案文件 {path.name}"
                version = scheme_preview.save(store, _user(args), args.year, text, reason)
            except SchemeError as exc:
                raise BadInput(f"{path}：{exc}") from exc
            print(f"{args.year} 年度考评方案已设为「{scheme.name}」，版本 {version}。")
        else:
            scheme, version = for_year(store, args.year)
            print(f"# {args.year} 年度考评方案：{scheme.name}（版本 {version or '默认'}）")
            print(scheme.text)
    return 0


def _read(path_text: str) -> tuple[str, bytes]:
    path = Path(path_text)
    if not path.is_file():
        raise BadInput(f"找不到文件 {path}")
    return path.name, path.read_bytes()


def cmd_units(args: argparse.Namespace) -> int:
    """The registry from a year on: every change is printed before anything is stored;
    a new 考核类别 or a field cleared by an empty cell needs --confirm."""
    from scoring import registry

    name, data = _read(args.file)
    with _open(args) as store:
        plan = registry.preview(store, name, data, args.year)
        if plan.problems:
            raise BadInput(
                f"单位名录未导入，共 {len(plan.problems)} 处问题：\n{imports.report(plan.problems)}"
            )
        since = f"自 {plan.year} 年度起" if plan.year else "自最初年度起"
        print(f"单位名录「{name}」{since}生效，变更 {len(plan.changes)} 项：")
        for c in plan.changes:
            detail = f"{c.field}：{c.old or '（空）'} → {c.new or '（空）'}" if c.field else c.new
            print(f"  {c.kind}\t{c.unit}\t{detail}")
        try:
            registry.apply(store, plan, _user(args), confirmed=args.confirm)
        except registry.NeedsConfirmation as exc:
            raise BadInput(
                "单位名录未导入，以下变更需要确认：\n"
                + "\n".join(exc.reasons)
                + "\n核对无误后加 --confirm 重新运行。"
            ) from exc
        except StoreError as exc:
            raise BadInput(str(exc)) from exc
    print(f"单位名录已更新：新增 {plan.added} 个单位，更新 {plan.updated} 个单位。")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    name, data = _read(args.file)
    with _open(args) as store:
        try:
            mapping = imports.parse_map_options(args.map)
            outcome = imports.import_file(
                store,
                name,
                data,
                args.year,
                _user(args),
                args.source,
                mapping,
                args.category,
                accept_overlap=args.confirm_overlap,
                confirm_published=args.confirm_published,
            )
        except imports.AlreadyImported as exc:  # a no-op that says so (cli.md)
            print(f"未重复导入：{exc}")
            return 0
        except imports.ImportRejected as exc:
            raise BadInput(f"文件未导入，共 {len(exc.problems)} 处问题：\n{exc}") from exc
        except PublicationError as exc:  # a published year: refused, or to be confirmed
            raise BadInput(f"文件未导入：{exc}") from exc
        published = _published_notice(store, args.year)
    print(outcome.message)
    for note in (*outcome.notes, *published):
        print(f"  注意：{note}")
    return 0


def _published_notice(store: Store, year: int) -> tuple[str, ...]:
    """What a change to a published year means (公示: the published figures stay)."""
    from scoring import publication

    notice = publication.change_notice(store, year)
    return () if notice is None else (notice.text,)


def cmd_uploads(args: argparse.Namespace) -> int:
    with _open(args) as store:
        uploads = store.uploads(args.year)
    if args.format == "json":
        keys = ("id", "file", "source", "rows", "sha256", "at", "user")  # shared/spec/cli.md
        records = [{k: asdict(u)[k] for k in keys} for u in uploads]
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    print("\t".join(["编号", "文件", "来源", "行数", "上传时间", "上传人", "sha256"]))
    for u in uploads:
        print(
            "\t".join(
                map(
                    str,
                    [
                        u.id,
                        u.file,
                        SOURCE_NAMES.get(u.source, u.source),
                        u.rows,
                        u.at,
                        u.user,
                        u.sha256[:12],
                    ],
                )
            )
        )
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    with _open(args) as store:
        user = _user(args)
        try:
            upload = imports.undo(
                store, args.upload_id, user, confirm_published=args.confirm_published
            )
        except imports.ImportRejected as exc:
            raise BadInput(str(exc)) from exc
        except PublicationError as exc:  # a published year: refused, or to be confirmed
            raise BadInput(f"未撤销：{exc}") from exc
        published = _published_notice(store, upload.year)
    again = (
        f"恢复：python -m scoring {f'--user {args.user} ' if args.user else ''}restore {upload.id}"
        if accounts.can(user, "restore")
        else f"如需恢复，请管理员从回收站恢复第 {upload.id} 号上传"
    )
    print(
        f"已撤销第 {upload.id} 号上传「{upload.file}」（{upload.year} 年度 "
        f"{SOURCE_NAMES.get(upload.source, upload.source)}，{upload.rows} 行），"
        f"数据已移入回收站；{again}"
    )
    for note in published:
        print(f"  注意：{note}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Bring an undone upload back from the 回收站, exactly."""
    with _open(args) as store:
        try:
            upload = imports.restore(
                store, args.upload_id, _user(args), confirm_published=args.confirm_published
            )
        except (imports.ImportRejected, StoreError) as exc:
            raise BadInput(str(exc)) from exc
        published = _published_notice(store, upload.year)
    print(
        f"已从回收站恢复第 {upload.id} 号上传「{upload.file}」（{upload.year} 年度 "
        f"{SOURCE_NAMES.get(upload.source, upload.source)}，{upload.rows} 行）。"
    )
    for note in published:
        print(f"  注意：{note}")
    return 0


def cmd_recycled(args: argparse.Namespace) -> int:
    """The 回收站: undone uploads that can be restored."""
    with _open(args) as store:
        rows = store.recycled(args.year)
    print("\t".join(["编号", "年度", "文件", "来源", "行数", "撤销时间", "撤销人"]))
    for r in rows.itertuples(index=False):
        print(
            "\t".join(
                map(
                    str,
                    [
                        r.id,
                        r.year,
                        r.file,
                        SOURCE_NAMES.get(r.source, r.source),
                        r.rows,
                        str(r.undone_at)[:19],
                        r.undone_by,
                    ],
                )
            )
        )
    return 0


def cmd_published(args: argparse.Namespace) -> int:
    """The year's published results, frozen (shared/spec/cli.md, Added 2026-11)."""
    from scoring import publication

    with _open(args) as store:
        record = publication.published(store, args.year, args.version)
    if record is None:
        raise BadInput(f"{args.year} 年度的结果尚未公示或发布。")
    if args.format == "json":
        keys = ("version", "status", "published_at", "units")
        print(json.dumps({k: record[k] for k in keys}, ensure_ascii=False, indent=1))
        return 0
    print(
        f"{args.year} 年度考评结果 第 {record['version']} 版（{record['status']}，"
        f"{record['published_at']} 由 {record['user']} 公示"
        + (f"，公示期至 {record['period_end']}" if record["period_end"] else "")
        + f"；方案版本 {record['scheme_version'] or '默认'}，"
        f"名录版本 {record['registry_version']}，所用上传 {len(record['uploads'])} 个）"
    )
    print(_table(record["units"]))
    return 0


def _letterhead(args: argparse.Namespace):
    """The 公文 fields of the 通报 from --issuer/--number/--date/--to (defaults otherwise)."""
    import datetime as dt

    from scoring.document import Letterhead

    fields = {}
    if args.issuer:
        fields["issuer"] = args.issuer
    if args.number:
        fields["number"] = args.number
    if args.to:
        fields["addressee"] = args.to
    if args.date:
        try:
            fields["date"] = dt.date.fromisoformat(args.date)
        except ValueError as exc:
            raise BadInput(f"--date 应为 YYYY-MM-DD 形式的日期，收到「{args.date}」。") from exc
    return Letterhead(**fields)


def _period_end(args: argparse.Namespace, issued):
    """--period-end: the last day of the 公示期, after the 成文日期 (None: the default)."""
    import datetime as dt

    if not args.period_end:
        return None
    try:
        end = dt.date.fromisoformat(args.period_end)
    except ValueError as exc:
        raise BadInput(
            f"--period-end 应为 YYYY-MM-DD 形式的日期，收到「{args.period_end}」。"
        ) from exc
    if end <= issued:
        raise BadInput(f"公示期截止日期（{end}）应晚于通报的成文日期（{issued}）。")
    return end


def cmd_publish(args: argparse.Namespace) -> int:
    from scoring.publish import PublishError, publish

    head = _letterhead(args)
    end = _period_end(args, head.date)
    with _open(args) as store:
        if args.year not in store.years():
            raise BadInput(f"{args.year} 年度没有任何考评数据，无法发布。")
        try:
            done = publish(
                store,
                args.year,
                args.out,
                _user(args),
                letterhead=head,
                period_end=end,
                reason=args.reason or "",
            )
        except PublishError as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except PublicationError as exc:  # changed results without a reason: nothing written
            raise BadInput(f"未发布：{exc}") from exc
    print(f"已发布 {args.year} 年度考评结果（用时 {done.seconds:.1f} 秒）：")
    print(f"  结果表：{done.workbook}")
    print(f"  通报：{done.report}")
    print(f"  图表：{len(done.charts)} 个文件，在 {done.charts[0].parent if done.charts else '—'}")
    print(f"  文件中的结果即公示记录第 {done.version} 版（{done.status}），不随之后的数据变化。")
    if done.period_end is not None and done.status == "公示":
        print(f"  公示期至 {done.period_end}（通报中已写明，期内可受理申诉）。")
    return 0


def _review(store: Store, args: argparse.Namespace) -> None:
    """``rectify --review ID --result 通过|不通过``: one 回头看, as the office."""
    from scoring import rectify
    from scoring.scheme import for_year

    if args.result is None:
        raise BadInput("--review 需同时给出 --result 通过 或 --result 不通过")
    if (of := rectify.item(store, args.review).year) != args.year:
        raise BadInput(f"整改事项 {args.review} 属于 {of} 年度，不是 {args.year} 年度。")
    done = rectify.review(
        store,
        _user(args),
        args.review,
        args.result == "通过",
        args.note,
        scheme=for_year(store, args.year)[0],
        early_reason=args.early_reason,
    )
    print(f"整改事项 {done.id}：{done.status}。", file=sys.stderr)


def cmd_rectify(args: argparse.Namespace) -> int:
    """The 整改 ledger (shared/spec/cli.md); --sync brings it in line with the year's
    warnings, --import adds items from a sheet, --review records a 回头看 (never on the
    day of 销号; early only with --early-reason); all act as the office."""
    from scoring import rectify, rectify_sheet

    with _open(args) as store:
        try:
            if args.sync:
                if args.year not in store.years():
                    raise BadInput(f"{args.year} 年度没有任何考评数据，无法同步告诫整改。")
                res = results.compute(store, args.year)
                report = rectify.sync_warnings(store, _user(args), res)
                print(
                    f"同步告诫整改：新建 {len(report.opened)} 项，撤销 {len(report.revoked)} 项，"
                    f"恢复 {len(report.restored)} 项，保持 {report.kept} 项"
                    f"（其中更新告诫事由 {len(report.updated)} 项）。",
                    file=sys.stderr,
                )
            if args.assign:
                clerk, _, listed = args.assign.partition("=")
                units = [u.strip() for u in listed.replace("，", ",").split(",") if u.strip()]
                unknown = sorted(set(units) - set(rectify.rectifiable_units(store)))
                if not clerk.strip() or unknown:
                    raise BadInput(
                        "--assign 应为 录入员=单位1,单位2"
                        + (f"；单位名录中没有：{'、'.join(unknown)}" if unknown else "")
                    )
                rectify.assign_units(store, _user(args), clerk.strip(), units)
                print(
                    f"{clerk.strip()} 负责的整改单位：{'、'.join(units) or '无'}", file=sys.stderr
                )
            if args.review is not None:
                _review(store, args)
            if args.import_file:
                name, data = _read(args.import_file)
                done = rectify_sheet.import_items(store, _user(args), args.year, name, data)
                print(
                    f"已导入 {done.added} 项整改事项"
                    + (f"（{done.already} 项此前已导入，未重复添加）" if done.already else "")
                    + "。",
                    file=sys.stderr,
                )
        except (rectify.RectifyError, rectify_sheet.RectifySheetError) as exc:
            raise BadInput(str(exc)) from exc
        except accounts.PermissionDenied as exc:
            raise BadInput(_refused(args, exc)) from exc
        found = rectify.items(store, args.year)
    records = rectify.records(found)
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    if not found:  # said to the reader; the table below stays a header for a program
        print(
            f"{args.year} 年度还没有整改事项（可用 --sync 从告诫名单生成，或 --import 导入）。",
            file=sys.stderr,
        )
    # The table speaks as the 整改台账 does: its labels, and which deadline is late by how long.
    due = rectify.DUE_COLUMNS[rectify.DUE_COMPLETE]
    print("\t".join(["编号", "单位", "来源", "问题", "责任人", due, "状态", "逾期"]))
    today = date.today()
    for i, r in zip(found, records, strict=True):
        cells = [r["id"], r["unit"], r["origin"], r["problem"], r["owner"], r["due"] or ""]
        cells += [r["status"], rectify.late_text(i, today)]
        print("\t".join(str(c).replace("\t", " ").replace("\n", " ") for c in cells))
    return 0


def cmd_cases(args: argparse.Namespace) -> int:
    """``cases import FILE --year`` stores a case sheet; ``cases --year`` lists the register
    (JSON keys per shared/spec/cli.md)."""
    from scoring import cases, cases_sheet

    action = args.action or []
    with _open(args) as store:
        if action:
            if action[0] != "import" or len(action) != 2:
                raise BadInput("用法：cases import 案件表.xlsx --year 2025，或 cases --year 2025")
            name, data = _read(action[1])
            try:
                outcome = cases_sheet.import_cases(store, _user(args), name, data, args.year)
            except cases_sheet.CasesRejected as exc:
                raise BadInput(f"案件表未导入，共 {len(exc.problems)} 处问题：\n{exc}") from exc
            except (cases.CaseError, SchemeError) as exc:
                raise BadInput(str(exc)) from exc
            print(outcome.message)
            return 0
        frame = cases.register(store, args.year, _user(args))
    records = [
        {
            "id": int(r["id"]),
            "unit": r["unit"],
            "source": r["source"],
            "date": r["date"].isoformat(),
            "finding": r["finding"],
            "status": r["status"],
            "points": None if r["points"] is None or r["points"] != r["points"] else r["points"],
            "due": None if r["due"] is None else r["due"].isoformat(),
            "overdue": bool(r["overdue"]),
        }
        for r in frame.to_dict("records")
    ]
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    print("\t".join(["编号", "对象", "来源", "日期", "发现问题", "状态", "分值", "期限", "超期"]))
    for rec, number in zip(records, frame["number"], strict=True):
        cells = [number, *(rec[k] for k in ("unit", "source", "date", "finding", "status"))]
        cells += ["" if rec["points"] is None else f"{rec['points']:+g}", rec["due"] or ""]
        cells.append("超期" if rec["overdue"] else "")
        print("\t".join(str(c) for c in cells))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scoring", description="效能考评看板 命令行")
    parser.add_argument("--db", help="数据库文件（默认：$SCORING_DB，否则 data/scoring.duckdb）")
    parser.add_argument(
        "--user",
        help="执行写入操作的账号（须已启用，按其角色检查权限；也可写在子命令之后）",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="向空数据库写入演示数据")
    p.add_argument("--years", help="年度，逗号分隔，如 2024,2025")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("init", help="新建或打开本单位的空白数据库（不含演示数据）")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("units", help="导入或更新单位名录（自某年度起生效）")
    p.add_argument("file")
    p.add_argument("--year", type=int, help="自该年度起生效（默认：最近有数据的年度）")
    p.add_argument("--confirm", action="store_true", help="确认新考核类别和清空字段等变更")
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("import", help="导入一个评分表（.xlsx 或 .csv）")
    p.add_argument("file")
    p.add_argument("--year", type=int, required=True)
    p.add_argument(
        "--source",
        choices=[s for s in SOURCES if s != "units"],
        help="数据来源；不指定时按表头识别",
    )
    p.add_argument(
        "--map",
        action="append",
        metavar="源列=标准列",
        help="把文件的列对应到标准列（可重复；不导入的列写 源列=-）",
    )
    p.add_argument("--category", help="汇总表没有评议人类别列时，指明其评议人类别")
    p.add_argument(
        "--confirm-overlap",
        action="store_true",
        help="文件部分内容已导入过时，确认只导入其余的新数据",
    )
    p.add_argument("--confirm-published", action="store_true", help=CONFIRM_PUBLISHED)
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("uploads", help="列出年度已导入的文件")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_uploads)

    p = sub.add_parser("undo", help="撤销一次上传（数据移入回收站）")
    p.add_argument("upload_id", type=int)
    p.add_argument("--confirm-published", action="store_true", help=CONFIRM_PUBLISHED)
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("restore", help="从回收站恢复一次撤销的上传")
    p.add_argument("upload_id", type=int)
    p.add_argument("--confirm-published", action="store_true", help=CONFIRM_PUBLISHED)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("recycled", help="列出回收站中的上传")
    p.add_argument("--year", type=int)
    p.set_defaults(func=cmd_recycled)

    p = sub.add_parser("published", help="年度已公示或发布的结果（冻结的快照）")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--version", type=int, help="版本号（默认最新）")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_published)

    p = sub.add_parser("user", help="账号管理")
    user_sub = p.add_subparsers(dest="user_command", required=True)
    q = user_sub.add_parser("add", help="新建账号或重设密码")
    q.add_argument("name")
    q.add_argument("--role", choices=list(accounts.ROLES), required=True)
    q.add_argument("--password", help="不指定时随机生成并显示一次")
    q.add_argument("--sources", help="录入员可上传的来源，逗号分隔（默认全部）")
    q.add_argument("--years", help="录入员可上传的年度，逗号分隔（默认全部）")
    q.set_defaults(func=cmd_user_add)
    q = user_sub.add_parser("unlock", help="解除账号（或 --address 地址）的登录锁定")
    q.add_argument("name", help="账号名，或与 --address 一起时为地址")
    q.add_argument("--address", action="store_true", help="解除的是一个地址的锁定")
    q.set_defaults(func=cmd_user_unlock)

    p = sub.add_parser("rank", help="年度考评结果")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--group")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--explain", metavar="UNIT", help="逐项说明一个单位的得分来源")
    p.set_defaults(func=cmd_rank)

    p = sub.add_parser("publish", help="生成年度结果：结果表、图表和通报")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--issuer", help="通报的发文机关（默认：市机关效能建设领导小组办公室）")
    p.add_argument("--number", help="发文字号，如 效办〔2026〕3号")
    p.add_argument("--date", help="成文日期 YYYY-MM-DD（默认：今天）")
    p.add_argument("--to", help="主送机关（默认：各区县人民政府，市直各单位：）")
    p.add_argument(
        "--period-end",
        metavar="YYYY-MM-DD",
        help="公示期截止日期，须晚于成文日期"
        "（默认：正在公示的版本已定的日期，否则成文日期后 7 天）",
    )
    p.add_argument(
        "--reason",
        help="当前结果与已公示（或已正式发布）的版本不同时，生成新版本的理由；"
        "新版本重新公示，说明中列出全部变动",
    )
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("cases", help="督查与投诉案件：导入案件表，或列出年度案件")
    p.add_argument("action", nargs="*", metavar="import FILE", help="import 案件表.xlsx")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser("scheme", help="查看或设置年度考评方案")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--set", metavar="FILE.toml")
    p.add_argument("--reason", default="", help="设置方案的原因（记入方案历史和审计日志）")
    p.set_defaults(func=cmd_scheme)

    p = sub.add_parser("rectify", help="整改台账：列出、同步告诫整改、从表格导入")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("--sync", action="store_true", help="按年度告诫建立或撤销整改事项")
    p.add_argument("--import", dest="import_file", metavar="FILE", help="从整改台账表格导入")
    p.add_argument(
        "--assign",
        metavar="录入员=单位1,单位2",
        help="设置录入员负责更新整改进展的单位（替换原有）",
    )
    p.add_argument("--review", type=int, metavar="编号", help="对已销号的整改事项进行回头看")
    p.add_argument("--result", choices=["通过", "不通过"], help="回头看结果")
    p.add_argument("--note", default="", help="回头看情况")
    p.add_argument(
        "--early-reason", default="", help="回头看时间未到而提前通过的理由（记入办理记录）"
    )
    p.set_defaults(func=cmd_rectify)
    return parser


def _user_after_command(parser: argparse.ArgumentParser) -> None:
    """Accept ``--user NAME`` after the command as well (shared/spec/cli.md: "on every
    writing command"); the value before the command is kept when only that one is given."""
    stack = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for child in action.choices.values():
                    if "--user" not in child._option_string_actions:
                        child.add_argument("--user", default=argparse.SUPPRESS, help="执行账号")
                    stack.append(child)


# argparse's own words (help headings, errors), which it looks up through gettext one
# message at a time: the command line's users read Chinese (shared/spec/cli.md: bad
# input gets its message in Chinese on standard error).
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "无效的选项 %(value)r（可选：%(choices)s）"
    ),
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的 %(type)s 值",
    "expected one argument": "需要一个值",
    "expected at least one argument": "至少需要一个值",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项 %(option)s 不明确，可能是 %(matches)s"
    ),
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 中须给出一个",
    "ignored explicit argument %r": "忽略了多余的值 %r",
}


def _chinese_argparse() -> None:
    """argparse in Chinese for this process (the command line's entry point only)."""
    argparse._ = lambda text: ARGPARSE_ZH.get(text, text)  # type: ignore[attr-defined]


def _output_closed() -> int:
    """The reader of our output has gone (``… | head``): end quietly, as Unix tools do,
    instead of with a traceback; exit status 1 (shared/spec/cli.md: anything but success
    or bad input). What is still buffered goes to /dev/null, so that the interpreter's
    flush at exit finds no closed pipe either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a file (a test's capture)
        pass
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    keep_freed_memory()
    _chinese_argparse()
    parser = build_parser()
    _user_after_command(parser)
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader that has gone shows here, not at the exit's flush
        return code
    except BrokenPipeError:
        return _output_closed()
    except BadInput as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except accounts.PermissionDenied as exc:
        print(_refused(args, exc), file=sys.stderr)
        return 2
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return 1
