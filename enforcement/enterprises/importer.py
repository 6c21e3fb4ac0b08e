"""Import and export of the registry as a spreadsheet (.xlsx or .csv, Chinese headers).

A dry run reports, row by row and column by column, what would be created, updated or left
unchanged, every error in Chinese, and likely duplicates (same normalised name, or names that
match ≥ 95 with rapidfuzz, under different credit codes) — reported, never merged. Committing is
all-or-nothing and upserts by 统一社会信用代码. Cells are data: a formula is stored as its text
and never evaluated; exported CSV neutralises cells that a spreadsheet would run as formulas.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from enforcement.core import audit, clock, text
from enforcement.enterprises import registry, sectors, service, uscc
from enforcement.enterprises.models import FEATURE_FIELDS, Classification, Enterprise
from enforcement.extensions import db

MAX_ROWS = 200_000
REPORT_LIMIT = 500  # rows listed in a report (all errors are counted)


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # text | int | decimal | bool | grade | credit | sector | level
    required: bool = False


COLUMNS = (
    Column("统一社会信用代码", "uscc", "text", True),
    Column("企业名称", "name", "text", True),
    Column("乡镇（街道）", "township", "text", True),
    Column("地址", "address", "text"),
    Column("法定代表人", "legal_representative", "text"),
    Column("联系电话", "contact_phone", "text"),
    Column("行业代码", "industry_code", "text"),
    Column("监管行业", "sector", "sector"),
    Column("从业人数", "employees", "int"),
    Column("标准化等级", "standardization_grade", "grade"),
    Column("信用状况", "credit_status", "credit"),
    Column("粉尘涉爆", "dust_explosion", "bool"),
    Column("涉金属粉尘", "metal_dust", "bool"),
    Column("粉尘作业人数", "dust_workers", "int"),
    Column("涉氨制冷", "ammonia_refrigeration", "bool"),
    Column("液氨储量（吨）", "ammonia_tonnes", "decimal"),
    Column("有限空间", "confined_space", "bool"),
    Column("有限空间有毒有害", "confined_space_toxic", "bool"),
    Column("金属冶炼", "metal_smelting", "bool"),
    Column("重大危险源等级", "major_hazard_level", "level"),
    Column("危化品使用", "hazardous_chemicals_use", "bool"),
    Column("动火（电气焊）作业", "hot_work", "bool"),
    Column("高处作业", "work_at_height", "bool"),
    Column("外包施工", "outsourced_construction", "bool"),
)
BY_HEADER = {c.header: c for c in COLUMNS}
_ORDER = {c.field: i for i, c in enumerate(COLUMNS)}
_TRUE = {"是", "有", "y", "yes", "true", "1", "√", "✓"}
_FALSE = {"否", "无", "n", "no", "false", "0", "×", ""}
_GRADES = {"一级": "1", "二级": "2", "三级": "3", "1": "1", "2": "2", "3": "3",
           "未定级": None, "无": None, "": None}
_CREDIT = {"正常": "normal", "normal": "normal", "": "normal",
           "严重失信": "serious_dishonest", "serious_dishonest": "serious_dishonest"}


@dataclass
class RowIssue:
    row: int
    column: str
    message: str


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowIssue] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # first REPORT_LIMIT outcomes

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": [e.__dict__ for e in self.errors[:REPORT_LIMIT]],
                "error_count": len(self.errors), "duplicates": self.duplicates[:REPORT_LIMIT],
                "rows": self.rows[:REPORT_LIMIT]}


class SheetError(ValueError):
    """The file as a whole cannot be read (wrong type, no header, too many rows)."""


# -- reading ----------------------------------------------------------------------------------

def read_sheet(path: Path, content_type: str) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """The header and the data rows (numbered as the spreadsheet shows them: header = row 1)."""
    if content_type.endswith("spreadsheetml.sheet"):
        return _read_xlsx(path)
    if content_type in ("text/csv", "text/plain"):
        return _read_csv(path)
    raise SheetError(_("只能导入 .xlsx 或 .csv 文件。"))


def _read_xlsx(path: Path):
    from openpyxl import load_workbook

    handle = open(path, "rb")  # blobs have no extension: openpyxl judges by name otherwise
    try:
        workbook = load_workbook(handle, read_only=True, data_only=False)
    except Exception as exc:
        handle.close()
        raise SheetError(_("无法读取这个 Excel 文件，请用 Excel 另存为 .xlsx 后重试。")) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [_cell_text(v) for v in next(rows)]
    except StopIteration as exc:
        workbook.close()
        handle.close()
        raise SheetError(_("表格是空的。")) from exc

    def data():
        try:
            for number, values in enumerate(rows, start=2):
                yield number, list(values)
        finally:
            workbook.close()
            handle.close()

    return header, data()


def _read_csv(path: Path):
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(_("无法识别文件编码，请保存为 UTF-8 或 GBK 编码的 CSV。"))
    reader = csv.reader(io.StringIO(content))
    try:
        header = [c.strip() for c in next(reader)]
    except StopIteration as exc:
        raise SheetError(_("表格是空的。")) from exc
    return header, ((n, row) for n, row in enumerate(reader, start=2))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_header(header: list[str]) -> tuple[dict[int, Column], list[RowIssue]]:
    issues = []
    positions: dict[int, Column] = {}
    seen = set()
    for index, title in enumerate(header):
        title = title.strip()
        if not title:
            continue
        column = BY_HEADER.get(title)
        if column is None:
            issues.append(RowIssue(1, title, _("未知的列“%(t)s”，请使用模板中的列名。", t=title)))
        elif title in seen:
            issues.append(RowIssue(1, title, _("列“%(t)s”重复。", t=title)))
        else:
            positions[index] = column
            seen.add(title)
    for column in COLUMNS:
        if column.required and column.header not in seen:
            issues.append(RowIssue(1, column.header, _("缺少必需的列“%(t)s”。", t=column.header)))
    return positions, issues


def _parse(column: Column, raw: Any) -> tuple[Any, str | None]:
    """(value, error message) for one cell."""
    value = _cell_text(raw)
    kind = column.kind
    if kind == "text":
        return (value or None), None
    if kind == "bool":
        low = value.lower()
        if low in _TRUE:
            return True, None
        if low in _FALSE:
            return False, None
        return None, _("应填“是”或“否”，实际为“%(v)s”。", v=value)
    if kind in ("int", "level"):
        if value == "":
            return None, None
        try:
            number = int(Decimal(value))
        except (InvalidOperation, ValueError):
            return None, _("应为整数，实际为“%(v)s”。", v=value)
        if Decimal(value) != number:
            return None, _("应为整数，实际为“%(v)s”。", v=value)
        if number < 0:
            return None, _("不能为负数（%(v)s）。", v=value)
        if kind == "level" and not 1 <= number <= 4:
            return None, _("重大危险源等级应为 1–4 或空。")
        return number, None
    if kind == "decimal":
        if value == "":
            return None, None
        try:
            number = Decimal(value)
        except InvalidOperation:
            return None, _("应为数字，实际为“%(v)s”。", v=value)
        if number < 0 or not number.is_finite():
            return None, _("不能为负数（%(v)s）。", v=value)
        return number.quantize(Decimal("0.01")), None
    if kind == "grade":
        if value in _GRADES:
            return _GRADES[value], None
        return None, _("应为 一级、二级、三级 或 未定级，实际为“%(v)s”。", v=value)
    if kind == "credit":
        if value.lower() in _CREDIT:
            return _CREDIT[value.lower()], None
        return None, _("应为 正常 或 严重失信，实际为“%(v)s”。", v=value)
    if kind == "sector":
        if value == "":
            return None, None
        for code, label in sectors.SECTOR_LABELS.items():
            if value in (code, label):
                return code, None
        return None, _("未知的监管行业“%(v)s”。", v=value)
    raise AssertionError(kind)


# -- analysing --------------------------------------------------------------------------------

@dataclass
class Planned:
    row: int
    data: dict[str, Any]
    existing_id: int | None
    action: str  # create | update | unchanged
    keys: tuple[str, str, str] | None = None  # (compact, pinyin, initials) when precomputed


class KeyPrecomputer:
    """Computes the name search keys (pinyin is the slow part) in a helper process while the
    sheet is still being read, for large imports: the two cores work at once."""

    CHUNK = 2000
    START_AFTER = 5000  # small sheets are not worth a process

    def __init__(self) -> None:
        self.pending: list[str] = []
        self.futures: list = []
        self.names: list[str] = []
        self.pool = None

    def add(self, name: str) -> None:
        self.names.append(name)
        self.pending.append(name)
        if len(self.names) >= self.START_AFTER and len(self.pending) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            self.pending = list(self.names)
        self.futures.append(self.pool.submit(text.keys_for_many, self.pending))
        self.pending = []

    def result(self) -> dict[str, tuple[str, str, str]]:
        if self.pool is None:
            return {}
        try:
            if self.pending:
                self._flush()
            keys: dict[str, tuple[str, str, str]] = {}
            done = [name for future in self.futures for name in future.result()]
            for name, key in zip(self.names, done, strict=True):
                keys[name] = key
            return keys
        finally:
            self.pool.shutdown(cancel_futures=True)


def analyse(path: Path, content_type: str, progress=None, *, for_commit: bool = False
            ) -> tuple[Report, list[Planned]]:
    """Read and check the whole sheet without writing anything. ``for_commit`` also prepares
    the search keys of large sheets in a helper process while reading."""
    report = Report()
    precompute = KeyPrecomputer() if for_commit else None
    header, rows = read_sheet(path, content_type)
    positions, issues = check_header(header)
    report.errors.extend(issues)
    if issues:
        return report, []
    existing = {code: (eid, name) for code, eid, name in db.session.execute(
        sa.select(Enterprise.uscc, Enterprise.id, Enterprise.name))}
    current = _current_values(existing)
    planned: list[Planned] = []
    seen_codes: dict[str, int] = {}
    tables = registry.tables()
    for number, values in rows:
        if number - 1 > MAX_ROWS:
            report.errors.append(RowIssue(number, "", _("超过 %(n)s 行的上限。", n=MAX_ROWS)))
            break
        if not any(_cell_text(v) for v in values):
            continue
        data, row_errors = _parse_row(number, values, positions)
        code = data.get("uscc")
        if code and "uscc" not in row_errors:
            problems = uscc.validate(code)
            if problems:
                row_errors["uscc"] = "；".join(problems)
            elif code in seen_codes:
                row_errors["uscc"] = _("与第 %(n)s 行的统一社会信用代码重复。", n=seen_codes[code])
            else:
                seen_codes[code] = number
        if data.get("township") and data["township"] not in tables.townships:
            row_errors["township"] = _("未知乡镇（街道）“%(t)s”。", t=data["township"])
        if data.get("industry_code"):
            problems = sectors.industry_code_problems(data["industry_code"])
            if problems:
                row_errors["industry_code"] = "；".join(problems)
        for field_name in sorted(row_errors, key=_ORDER.get):
            report.errors.append(RowIssue(number, _header_of(field_name), row_errors[field_name]))
        if row_errors:
            continue
        existing_id = existing.get(code, (None, None))[0]
        if existing_id is None:
            action = "create"
            report.created += 1
        elif _differs(current[existing_id], data):
            action = "update"
            report.updated += 1
        else:
            action = "unchanged"
            report.unchanged += 1
        planned.append(Planned(number, data, existing_id, action))
        if precompute is not None and action != "unchanged":
            precompute.add(data["name"])
        if len(report.rows) < REPORT_LIMIT:
            report.rows.append({"row": number, "uscc": code, "name": data.get("name"),
                                "action": action})
        if progress and number % 2000 == 0:
            progress(number)
    report.duplicates = likely_duplicates(planned, existing)
    if precompute is not None:
        keys = precompute.result()
        if keys:
            for item in planned:
                item.keys = keys.get(item.data["name"])
    return report, planned


def _parse_row(number: int, values: list, positions: dict[int, Column]):
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for index, column in positions.items():
        raw = values[index] if index < len(values) else None
        value, error = _parse(column, raw)
        if error:
            errors[column.field] = error
        else:
            data[column.field] = value
    for column in COLUMNS:
        if column.required and column.field not in errors and not data.get(column.field):
            errors[column.field] = _("必填。")
    if data.get("uscc"):
        data["uscc"] = uscc.normalize(data["uscc"])
    if data.get("industry_code"):
        data["industry_code"] = sectors.normalize_industry_code(data["industry_code"]) \
            or data["industry_code"]
    if data.get("name"):
        data["name"] = " ".join(data["name"].split())
    if data.get("confined_space_toxic"):
        data["confined_space"] = True
    return data, errors


def _header_of(field_name: str) -> str:
    return next((c.header for c in COLUMNS if c.field == field_name), field_name)


def _current_values(existing: dict[str, tuple[int, str]]) -> dict[int, dict[str, Any]]:
    if not existing:
        return {}
    fields_ = [c.field for c in COLUMNS]
    columns = [getattr(Enterprise, f) for f in fields_]
    out = {}
    for row in db.session.execute(sa.select(Enterprise.id, Enterprise.sector_set_by_hand,
                                            *columns)):
        values = dict(zip(fields_, row[2:], strict=True))
        if not row[1]:
            values["sector"] = None  # derived, not set by hand
        out[row[0]] = values
    return out


def _differs(current: dict[str, Any], data: dict[str, Any]) -> bool:
    for key, value in data.items():
        old = current.get(key)
        if isinstance(old, Decimal) or isinstance(value, Decimal):
            old = None if old is None else Decimal(old)
        if old != value:
            return True
    return False


def likely_duplicates(planned: list[Planned], existing: dict[str, tuple[int, str]],
                      threshold: float = 95.0) -> list[dict[str, Any]]:
    """Pairs under different credit codes whose names are the same after normalisation, or
    match ≥ ``threshold`` (rapidfuzz ratio).

    Comparing every pair is quadratic. A ratio ≥ 95 between names of ordinary length means at
    most one character inserted, deleted or replaced, so candidates are the names that share
    a one-character-deletion variant (the symmetric-deletion trick); each candidate pair is then
    scored with rapidfuzz. Linear in the number of names.
    """
    from itertools import combinations

    from rapidfuzz import fuzz

    entries: list[tuple[str, str, str]] = []  # (compact name, code, where)
    for p in planned:
        entries.append((text.compact(p.data["name"]), p.data["uscc"], _("第 %(n)s 行", n=p.row)))
    file_codes = {p.data["uscc"] for p in planned}
    registered = _("已登记")
    for code, (_eid, name) in existing.items():
        if code not in file_codes:
            entries.append((text.compact(name), code, registered))
    index: dict[str, list[int]] = defaultdict(list)
    for i, (name, _code, _where) in enumerate(entries):
        for key in {name, *(name[:j] + name[j + 1:] for j in range(len(name)))}:
            index[key].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in index.values():
        if 1 < len(members) <= 50:  # a key shared by dozens is a common word, not a twin
            pairs.update(combinations(members, 2))
    found = []
    for i, j in sorted(pairs):
        (name_a, code_a, where_a), (name_b, code_b, where_b) = entries[i], entries[j]
        if code_a == code_b or where_a == where_b == registered:
            continue
        score = 100.0 if name_a == name_b else fuzz.ratio(name_a, name_b)
        if score >= threshold:
            found.append({"a": where_a, "a_uscc": code_a, "b": where_b, "b_uscc": code_b,
                          "name_a": name_a, "name_b": name_b, "score": round(score, 1)})
    return found


# -- committing -------------------------------------------------------------------------------

def commit(planned: list[Planned], user_id: int | None, progress=None) -> None:
    """Write every planned row (the caller has checked there are no errors), classify, audit."""
    ruleset = registry.tables().ruleset
    tables = registry.tables()
    now = clock.now()
    events = []
    todo = [p for p in planned if p.action != "unchanged"]
    for start in range(0, len(todo), 1000):
        batch = todo[start:start + 1000]
        creates, updates = [], []
        for p in batch:
            row = dict(p.data)
            row["sector_set_by_hand"] = row.get("sector") is not None
            if row.get("sector") is None:
                row["sector"] = tables.sectors.sector_for(row.get("industry_code") or "") \
                    or "other"
            compact, pinyin, initials = p.keys or text.keys_for_many([row["name"]])[0]
            row.update(name_compact=compact, name_pinyin=pinyin, name_initials=initials,
                       updated_at=now)
            for flag in FEATURE_FIELDS:
                if flag not in row and flag not in ("dust_workers", "ammonia_tonnes",
                                                    "major_hazard_level"):
                    row[flag] = False
            row.setdefault("credit_status", "normal")
            if p.existing_id is None:
                row.update(created_at=now, version=1)
                creates.append(row)
            else:
                row["id"] = p.existing_id
                updates.append(row)
        if creates:
            db.session.execute(sa.insert(Enterprise), creates)
        if updates:
            bulk_update(updates)
            db.session.execute(
                sa.update(Enterprise).where(Enterprise.id.in_([u["id"] for u in updates]))
                .values(version=Enterprise.version + 1))
        codes = [p.data["uscc"] for p in batch]
        ids = dict(db.session.execute(sa.select(Enterprise.uscc, Enterprise.id)
                                      .where(Enterprise.uscc.in_(codes))).all())
        classify_batch([ids[c] for c in codes], ruleset, now, user_id, "imported")
        for p in batch:
            events.append(("enterprises", ids[p.data["uscc"]],
                           "import_create" if p.existing_id is None else "import_update",
                           {k: audit.to_jsonable(v) for k, v in p.data.items()}))
        if progress:
            progress(start + len(batch), len(todo))
    db.session.expire_all()
    if events:
        audit.record_many(events)


def classify_batch(ids: list[int], ruleset, now, user_id: int | None, trigger: str) -> None:
    """Evaluate a batch and store the results (two reads, two bulk writes)."""
    records, updates = [], []
    for enterprise_id, overridden, facts in service.facts_for_many(ids):
        evaluation = ruleset.evaluate(facts)
        records.append({"enterprise_id": enterprise_id, "risk_class": evaluation.risk_class,
                        "risk_level": evaluation.risk_level, "score": evaluation.score,
                        "factors": service._factor_dicts(evaluation),
                        "ruleset": evaluation.ruleset, "evaluated_at": now,
                        "trigger": trigger,
                        "overridden": False, "evaluated_by": user_id})
        if not overridden:
            updates.append({"id": enterprise_id, "risk_class": evaluation.risk_class,
                            "risk_level": evaluation.risk_level,
                            "risk_score": evaluation.score})
    if records:
        db.session.execute(sa.insert(Classification), records)
    if updates:
        bulk_update(updates)


def bulk_update(rows: list[dict[str, Any]]) -> None:
    """UPDATE enterprises by id, many rows at once (executemany), grouped by the columns set.
    (The ORM's bulk update insists on the version column; these writes bump it themselves.)"""
    table = Enterprise.__table__
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[tuple(sorted(k for k in row if k != "id"))].append(row)
    for keys, group in groups.items():
        stmt = table.update().where(table.c.id == sa.bindparam("_id")).values(
            {k: sa.bindparam(k) for k in keys})
        db.session.execute(stmt, [{**{k: r[k] for k in keys}, "_id": r["id"]} for r in group])


# -- template and export ----------------------------------------------------------------------

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe (CSV)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def export_rows(stmt) -> Iterator[list[Any]]:
    labels = sectors.SECTOR_LABELS
    grades = {"1": "一级", "2": "二级", "3": "三级", None: "未定级"}
    for enterprise in db.session.scalars(stmt.execution_options(yield_per=2000)):
        row = []
        for column in COLUMNS:
            value = getattr(enterprise, column.field)
            if column.kind == "bool":
                value = "是" if value else "否"
            elif column.kind == "grade":
                value = grades.get(value, value)
            elif column.kind == "credit":
                value = "严重失信" if value == "serious_dishonest" else "正常"
            elif column.kind == "sector":
                value = labels.get(value, value)
            row.append(value)
        row += [enterprise.risk_class or "", enterprise.risk_score or ""]
        yield row


EXPORT_EXTRA = ("风险分类", "风险分值")
_HELP = {
    "text": "文本",
    "int": "非负整数",
    "decimal": "非负数字，最多两位小数",
    "bool": "是 / 否（空白视为否）",
    "grade": "一级 / 二级 / 三级 / 未定级（空白视为未定级）",
    "credit": "正常 / 严重失信（空白视为正常）",
    "sector": "空白则按行业代码推导；也可填 冶金、有色、建材、机械、轻工、纺织、烟草、商贸 等",
    "level": "1–4，空白表示不构成重大危险源",
}


def export_csv(stmt) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.header for c in COLUMNS] + list(EXPORT_EXTRA))
    for row in export_rows(stmt):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(stmt, *, template: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业")
    headers = [c.header for c in COLUMNS] + ([] if template else list(EXPORT_EXTRA))
    sheet.append(headers)
    if template:
        notes = workbook.create_sheet("填写说明")
        notes.append(["列名", "是否必填", "填写要求"])
        for column in COLUMNS:
            notes.append([column.header, "必填" if column.required else "", _HELP[column.kind]])
        notes.append([])
        notes.append(["乡镇（街道）可选值", "、".join(registry.tables().townships.names)])
    else:
        for row in export_rows(stmt):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text: never a formula
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
