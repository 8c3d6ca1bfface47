"""Importing score sheets (导入): parse, check against the store, store atomically.

Two steps so that the upload page can show a preview and the report before the
user confirms: ``prepare`` (read-only) and ``commit``. ``import_file`` does both
for the command line. A file with any problem stores nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from scoring import publication  # a published year's data change: said, confirmed or refused
from scoring.accounts import User, authorize
from scoring.scheme import for_year
from scoring.sheets import ParsedFile, Problem, Registry, parse_file
from scoring.store import (
    ContentClash,
    ContentRefused,
    ContentStored,
    OverlapNotConfirmed,
    Store,
    Upload,
)


def registry_for_year(store: Store, year: int) -> Registry:
    from scoring.registry import registry_for_year as _for_year

    return _for_year(store, year)


__all__ = [
    "AlreadyImported",
    "ContentRejected",
    "ImportOutcome",
    "ImportRejected",
    "check_content",
    "commit",
    "earlier_upload",
    "import_file",
    "load_units",
    "overlap_message",
    "parse_map_options",
    "prepare",
    "problems_frame",
    "report",
    "restore",
    "save_mapping",
    "saved_mappings",
    "undo",
    "where_said",
    "year_mismatch",
]


class ImportRejected(Exception):
    """The file was refused; ``problems`` says every reason."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem]):
        self.problems = tuple(problems)
        super().__init__(report(self.problems))


class AlreadyImported(ImportRejected):
    """The very file (the same bytes) is already stored in the year: nothing to do.
    ``earlier`` is the upload that brought it (id, file). The command line says so and
    succeeds (shared/spec/cli.md: importing the same file twice is a no-op that says so).
    Another file whose facts are all stored (a re-saved copy) is still refused: it may
    be the wrong file."""

    def __init__(self, problems: tuple[Problem, ...] | list[Problem], earlier: tuple = ()):
        super().__init__(problems)
        self.earlier = earlier


class ContentRejected(ImportRejected):
    """Refused for content the year already holds; ``earlier`` names (upload id, file,
    facts shared); ``needs_confirmation`` when a partial overlap awaits the user's yes."""

    def __init__(
        self,
        problems: list[Problem],
        *,
        needs_confirmation: bool = False,
        earlier: tuple = (),
    ):
        super().__init__(problems)
        self.needs_confirmation = needs_confirmation
        self.earlier = earlier


@dataclass(frozen=True)
class ImportOutcome:
    upload: Upload
    created: bool
    notes: tuple[str, ...] = ()  # what the user should know (sheets skipped, flags)
    left_out: int = 0  # facts of the file the year already held (an accepted overlap)
    facts: int = 0  # facts in the file, when an overlap was left out

    @property
    def message(self) -> str:
        u = self.upload
        if not self.created:
            return (
                f"文件「{u.file}」与 {u.at} 已导入的第 {u.id} 号上传内容完全相同，本次未重复导入。"
            )
        if self.left_out:
            return (
                f"已导入文件「{u.file}」（{u.rows} 行）的新数据：共 {self.facts} 项，"
                f"其中 {self.left_out} 项此前已导入、未重复计入，新导入 "
                f"{self.facts - self.left_out} 项；上传编号 {u.id}。"
            )
        return f"已导入文件「{u.file}」：{u.rows} 行，上传编号 {u.id}。"


def problems_frame(problems: tuple[Problem, ...] | list[Problem]) -> pd.DataFrame:
    """The problems as a table for the upload page (one row each)."""
    return pd.DataFrame(
        [
            {
                "工作表": p.sheet or "",
                "行": "" if p.row is None else str(p.row),
                "列": (p.column or "") + (f"（{p.letter}）" if p.letter else ""),
                "值": p.value or "",
                "问题": p.expected,
            }
            for p in problems
        ],
        columns=["工作表", "行", "列", "值", "问题"],
    )


def where_said(problem: Problem) -> str:
    """The place of a problem for a line of its own (the page's bullet under the table).

    >>> where_said(Problem("f.xlsx", "…", "问卷", 3, value="甲")), where_said(Problem("f", "…"))
    ('工作表「问卷」第 3 行「甲」：', '')
    """
    sheet = f"工作表「{problem.sheet}」" if problem.sheet else ""
    row = f"第 {problem.row} 行" if problem.row else ""
    value = f"「{problem.value}」" if problem.value else ""
    return f"{sheet}{row}{value}：" if sheet or row else ""


def report(problems: tuple[Problem, ...] | list[Problem], limit: int = 50) -> str:
    """The problems as lines, the first ``limit`` of them and a count of the rest."""
    lines = [str(p) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"……另有 {len(problems) - limit} 处问题未列出。")
    return "\n".join(lines)


def prepare(
    store: Store,
    name: str,
    data: bytes,
    year: int,
    source: str | None = None,
    mapping: Mapping[str, str] | None = None,
    category: str | None = None,
    *,
    content: bool = True,
) -> ParsedFile:
    """Read and check a file against the year's scheme, the registry and earlier uploads.

    ``mapping`` (file column -> canonical column, ``-`` to leave one out) and
    ``category`` (the 评议人类别 of a tally without one) are the user's choices.
    ``content=False`` leaves out the check of the facts against what the year holds (not
    the check for the very same file): ``import_file`` has them checked once, while they
    are stored (Store.add_upload), instead of staging the rows twice."""
    scheme, _ = for_year(store, year)
    registry = registry_for_year(store, year)  # the year's units, 简称 and 前身
    parsed = parse_file(
        name,
        data,
        scheme=scheme,
        registry=registry,
        source=source,
        mapping=mapping,
        category=category,
    )
    if parsed.problems and parsed.signature and not mapping:
        parsed = _offer_saved_mapping(store, parsed)
    unknown_units = any("单位名录中没有" in p.expected for p in parsed.problems)
    if not registry.names and unknown_units:
        hint = Problem(name, "单位名录为空：请先导入单位名录，再导入评分表")
        return replace(parsed, problems=(hint, *parsed.problems))
    return check_content(store, parsed, year, facts=content)


def check_content(store: Store, parsed: ParsedFile, year: int, *, facts: bool = True) -> ParsedFile:
    """Facts the year already holds, whatever file they came in (scoring.content_store):
    a file all of whose facts are stored is refused, naming the upload that brought
    them; 问卷编号 stored with other answers are problems; a partial overlap is kept on
    ``parsed.overlap`` for the preview (storing it needs a confirmation). With
    ``facts=False`` only the very same file (by its bytes) is looked for."""
    if parsed.problems or not parsed.facts or parsed.source == "units":
        return parsed
    same = earlier_upload(store, parsed, year)
    if same is not None:
        problem = Problem(
            parsed.file,
            f"与第 {same.id} 号上传「{same.file}」（{same.at}）是同一个文件，本次未重复导入",
        )
        return replace(parsed, problems=(problem,))
    if not facts:
        return parsed
    report = store.content_report(year=year, source=parsed.source, facts=parsed.facts)
    names = {u.id: u.file for u in store.uploads(year)}
    extra = _content_problems(parsed.file, report, names, parsed)
    if extra:
        return replace(parsed, problems=parsed.problems + tuple(extra), overlap=report)
    return replace(parsed, overlap=report if report.overlap else None)


def _content_problems(
    file: str, report, names: Mapping[int, str], parsed: ParsedFile | None = None
) -> list[Problem]:
    """The problems of a content report: 问卷编号 stored with other answers (each at its
    sheet and row of ``parsed``), else a file whose facts are all stored (naming the
    uploads that hold them, from ``names``)."""
    where = "、".join(f"第 {u} 号上传「{names.get(u, '?')}」" for u, _ in report.earlier[:3])
    extra: list[Problem] = []
    at = _ballot_places(parsed, report.clash[:200]) if parsed is not None else {}
    for b in report.clash[:200]:
        sheet, row = at.get(b, (None, None))
        extra.append(
            Problem(
                file,
                "问卷编号已在本年度此前上传的文件中出现过（答案不同）",
                sheet,
                row,
                "问卷编号",
                value=b,
            )
        )
    if len(report.clash) > 200:
        extra.append(Problem(file, f"另有 {len(report.clash) - 200} 个问卷编号与已上传的问卷重复"))
    if not extra and report.all_stored:
        extra.append(
            Problem(
                file,
                f"文件内容（{report.total} 项数据）已全部在本年度导入过，见{where}；"
                "这可能是同一份数据另存的副本，本次未导入",
            )
        )
    return extra


def _ballot_places(parsed: ParsedFile, ballots) -> dict[str, tuple[str | None, int]]:
    """Where each of ``ballots`` (问卷编号) stands in the file: (sheet, row), from the
    answers' ``ballot_row`` (the sheet's place in the high bits, its row below)."""
    answers = parsed.facts.get("appraisal_answers")
    if not isinstance(answers, pa.Table) or "ballot_row" not in answers.column_names:
        return {}
    wanted = pa.array(list(dict.fromkeys(ballots)), pa.string())
    hits = answers.filter(pc.is_in(answers["ballot"].cast(pa.string()), value_set=wanted))
    out: dict[str, tuple[str | None, int]] = {}
    for b, place in zip(hits["ballot"].to_pylist(), hits["ballot_row"].to_pylist(), strict=True):
        if b not in out and place is not None:
            sheet = int(place) >> 20
            name = parsed.sheets[sheet] if sheet < len(parsed.sheets) else None
            out[b] = (None if name == "CSV" else name, int(place) & ((1 << 20) - 1))
    return out


def overlap_message(parsed: ParsedFile, store: Store, year: int) -> str | None:
    """The preview's words for a partial overlap, or None when there is none."""
    report = parsed.overlap
    if report is None or not getattr(report, "overlap", 0):
        return None
    names = {u.id: u.file for u in store.uploads(year)}
    where = "、".join(
        f"第 {u} 号上传「{names.get(u, '?')}」（{n} 项）" for u, n in report.earlier[:5]
    )
    return (
        f"文件中有 {report.overlap} 项数据（共 {report.total} 项）已在{where}中导入过。"
        f"确认后只导入其余 {report.total - report.overlap} 项新数据，已有的不会重复计入。"
    )


def year_mismatch(file_name: str, year: int) -> int | None:
    """The year a file's name announces (e.g. 2026年度…), when it differs from the target.

    >>> year_mismatch("2026年度万人评议问卷.xlsx", 2025), year_mismatch("问卷2025.csv", 2025)
    (2026, None)
    """
    found = {int(y) for y in re.findall(r"(?<!\d)(20\d\d)(?!\d)", file_name)}
    return next(iter(found)) if len(found) == 1 and year not in found else None


def earlier_upload(store: Store, parsed: ParsedFile, year: int) -> Upload | None:
    """The upload that already brought this very file (same content) into the year."""
    return store.find_upload(year, parsed.source, parsed.sha256)


def commit(
    store: Store,
    parsed: ParsedFile,
    year: int,
    user: User,
    *,
    accept_overlap: bool = False,
    confirm_published: bool = False,
) -> ImportOutcome:
    """Store a checked file as one upload; refuse one with problems or without the right.

    Every content check runs again inside the storing transaction (Store.add_upload), so
    of two evaluators confirming the same data at once, one stores it and one is refused."""
    authorize(user, "upload", source=parsed.source, year=year)
    if parsed.problems:
        raise ImportRejected(parsed.problems)
    if parsed.source == "units":
        raise ValueError("the unit registry is loaded with load_units")
    published = publication.check_change(store, year, user, confirmed=confirm_published)
    try:
        upload, created = store.add_upload(
            year=year,
            file=parsed.file,
            source=parsed.source,
            sha256=parsed.sha256,
            user=user.name,
            rows=parsed.rows,
            facts=parsed.facts,
            accept_overlap=accept_overlap,
        )
    except ContentRefused as exc:
        raise ContentRejected(
            [Problem(parsed.file, str(exc))],
            needs_confirmation=isinstance(exc, OverlapNotConfirmed),
            earlier=exc.earlier,
        ) from exc
    if not created:
        raise ContentRejected(
            [
                Problem(
                    parsed.file,
                    f"与第 {upload.id} 号上传「{upload.file}」（{upload.at}）是同一个文件，"
                    "本次未重复导入",
                )
            ],
            earlier=((upload.id, upload.file, upload.rows),),
        )
    publication.record_change(store, published, user, f"导入第 {upload.id} 号上传「{upload.file}」")
    report = parsed.overlap if accept_overlap else None
    if report is not None and report.overlap:
        return ImportOutcome(upload, created, parsed.notes, report.overlap, report.total)
    return ImportOutcome(upload, created, parsed.notes)


def import_file(
    store: Store,
    name: str,
    data: bytes,
    year: int,
    user: User,
    source: str | None = None,
    mapping: Mapping[str, str] | None = None,
    category: str | None = None,
    *,
    accept_overlap: bool = False,
    confirm_published: bool = False,
) -> ImportOutcome:
    """Prepare and commit in one go (the command line's ``import``). The rows are staged
    and their content checked once, inside the storing transaction; a refusal says what
    ``prepare`` would have said (the same problems)."""
    # With an overlap accepted, the facts are checked beforehand too, so that the
    # outcome can say how many were left out.
    parsed = prepare(store, name, data, year, source, mapping, category, content=accept_overlap)
    if len(parsed.problems) == 1 and parsed.facts and parsed.source != "units":
        same = earlier_upload(store, parsed, year)
        if same is not None:
            raise AlreadyImported(parsed.problems, (same.id, same.file))
    if parsed.source == "units":
        raise ImportRejected(
            [
                Problem(
                    name,
                    "这是单位名录，请用「导入单位名录」（命令行：python -m scoring units 文件）",
                )
            ]
        )
    try:
        return commit(
            store,
            parsed,
            year,
            user,
            accept_overlap=accept_overlap,
            confirm_published=confirm_published,
        )
    except ContentRejected as exc:
        cause = exc.__cause__
        if not isinstance(cause, ContentClash | ContentStored):
            raise  # a partial overlap awaiting its confirmation: add_upload's words
        names = {u: f for u, f, _ in cause.earlier}
        raise ImportRejected(_content_problems(parsed.file, cause.report, names, parsed)) from None


def undo(store: Store, upload_id: int, user: User, *, confirm_published: bool = False) -> Upload:
    """Undo one upload: 管理员 any, 录入员 only their own (within their sources/years)."""
    upload = store.upload(upload_id)
    if upload is None:
        raise ImportRejected([Problem(f"上传编号 {upload_id}", "没有这个上传记录")])
    authorize(user, "undo", source=upload.source, year=upload.year, owner=upload.user)
    published = publication.check_change(store, upload.year, user, confirmed=confirm_published)
    undone = store.undo(upload_id, user.name)
    publication.record_change(store, published, user, f"撤销第 {upload_id} 号上传「{undone.file}」")
    return undone


def restore(store: Store, upload_id: int, user: User, *, confirm_published: bool = False) -> Upload:
    """Bring an undone upload back from the 回收站 (管理员 only), exactly as it was."""
    authorize(user, "restore")
    binned = store.recycled()
    binned = binned.loc[binned["id"] == upload_id, "year"]  # its year, if in the 回收站
    published = (
        None
        if binned.empty
        else publication.check_change(store, int(binned.iloc[0]), user, confirmed=confirm_published)
    )
    back = store.restore(upload_id, user.name)
    publication.record_change(store, published, user, f"恢复第 {upload_id} 号上传「{back.file}」")
    return back


def load_units(
    store: Store,
    name: str,
    data: bytes,
    user: User,
    year: int | None = None,
    *,
    confirmed: bool = False,
) -> tuple[int, int]:
    """Load or update the unit registry (单位名录) from ``year`` on (scoring.registry);
    returns (added, updated). Changes that need a confirmation (a new 考核类别, a field
    cleared by an empty cell) raise ``registry.NeedsConfirmation`` unless ``confirmed``."""
    from scoring import registry

    authorize(user, "units")
    plan = registry.preview(store, name, data, year)
    registry.apply(store, plan, user, confirmed=confirmed)
    return plan.added, plan.updated


# -- column mappings (列对应) -------------------------------------------------------------


def parse_map_options(options: list[str] | None) -> dict[str, str]:
    """``--map 源列=标准列`` options as a mapping; a malformed one is bad input.

    >>> parse_map_options(["2、您评议的单位=被评单位", "备注=-"])
    {'2、您评议的单位': '被评单位', '备注': '-'}
    """
    out: dict[str, str] = {}
    for option in options or []:
        left, sep, right = option.rpartition("=")
        if not sep or not left.strip() or not right.strip():
            raise ImportRejected(
                [Problem("--map", f"「{option}」应写成 源列=标准列（不导入的列写 源列=-）")]
            )
        out[left.strip()] = right.strip()
    return out


def save_mapping(
    store: Store, user: User, name: str, parsed: ParsedFile, mapping: Mapping[str, str]
) -> None:
    """Save a confirmed mapping under ``name`` for files with the same header."""
    authorize(user, "upload")
    if not name.strip():
        raise ImportRejected([Problem(parsed.file, "请给列对应起一个名字")])
    store.save_mapping(name.strip(), parsed.signature, parsed.source, mapping, user.name)


def saved_mappings(store: Store, parsed: ParsedFile) -> list[dict]:
    """Saved mappings for a file with this header (same signature), newest first."""
    return store.mappings(parsed.signature) if parsed.signature else []


def _offer_saved_mapping(store: Store, parsed: ParsedFile) -> ParsedFile:
    """A refused file whose header has a saved mapping: say so first, with the flags that
    apply it on the command line (the page offers it beside the columns)."""
    saved = store.mappings(parsed.signature)
    if not saved:
        return parsed
    m = saved[0]
    flags = " ".join(f"--map '{k}={v}'" for k, v in m["mapping"].items())
    hint = Problem(
        parsed.file,
        f"此表头有已保存的列对应「{m['name']}」（{m['user']} 于 {m['saved_at']} 保存）；"
        f"上传页面可直接套用，命令行加上 {flags}",
    )
    return replace(parsed, problems=(hint, *parsed.problems))
