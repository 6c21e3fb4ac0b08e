"""Import a 100,000-row .xlsx end to end on SQLite (read, check, write, classify, audit), against
openpyxl alone reading the same file in read-only mode.

Run: .venv/bin/python bench/import_xlsx.py [rows]   (targets: ≤ 60 s; ≤ 3× openpyxl alone)
"""

from __future__ import annotations

import sys
import time

from _app import NullProgress, make_app


def main() -> None:
    rows_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    app, instance = make_app("import")
    from openpyxl import Workbook, load_workbook

    from enforcement.core import storage
    from enforcement.enterprises import demo, importer
    from enforcement.enterprises import jobs as enterprise_jobs
    from enforcement.extensions import db

    with app.app_context():
        rows = demo.generate(rows_wanted, seed=99)
    grades = {"1": "一级", "2": "二级", "3": "三级", None: ""}
    path = instance / "enterprises.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业")
    sheet.append([c.header for c in importer.COLUMNS])
    for row in rows:
        values = []
        for column in importer.COLUMNS:
            value = row.get(column.field)
            if column.kind == "bool":
                value = "是" if value else ""
            elif column.kind == "grade":
                value = grades[value]
            elif column.kind == "credit":
                value = "严重失信" if value == "serious_dishonest" else "正常"
            elif value is None:
                value = ""
            values.append(str(value) if column.kind == "decimal" and value != "" else value)
        sheet.append(values)
    workbook.save(path)
    size_mb = path.stat().st_size / 2**20

    t0 = time.perf_counter()
    wb = load_workbook(path, read_only=True)
    count = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    openpyxl_alone = time.perf_counter() - t0

    with app.app_context():
        record = storage.store(open(path, "rb"), "enterprises.xlsx", None)
        db.session.commit()
        file_id = record.id
        t0 = time.perf_counter()
        dry = enterprise_jobs.import_sheet(NullProgress(), file_id, True, None)
        dry_time = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = enterprise_jobs.import_sheet(NullProgress(), file_id, False, None)
        full = time.perf_counter() - t0
    assert result["committed"] and result["created"] == rows_wanted, result.get("errors")
    print(f"import of a {rows_wanted:,}-row .xlsx ({size_mb:.1f} MB, {count:,} rows incl. header),"
          " SQLite, one run each")
    print(f"  openpyxl read-only, read all rows    {openpyxl_alone:6.1f} s")
    print(f"  dry run (read + check + duplicates)  {dry_time:6.1f} s   "
          f"errors {dry['error_count']}, likely duplicates {len(dry['duplicates'])}")
    print(f"  import end to end (read, check, write, classify, audit) {full:6.1f} s = "
          f"{full / openpyxl_alone:.2f}× openpyxl alone   (targets ≤ 60 s, ≤ 3×)")


if __name__ == "__main__":
    main()
