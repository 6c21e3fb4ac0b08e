"""Gap-free document numbers under concurrency."""

import threading

import pytest
import sqlalchemy as sa

from enforcement.core import numbering
from enforcement.extensions import db


def test_numbers_count_up_per_code_and_year(app):
    assert [numbering.next_number("罚", 2026) for _ in range(3)] == [1, 2, 3]
    assert numbering.next_number("罚", 2027) == 1
    assert numbering.next_number("立", 2026) == 1
    assert numbering.peek("罚", 2026) == 3


def test_a_rolled_back_number_is_not_lost(app):
    numbering.next_number("检记", 2026)
    nested = db.session.begin_nested()
    assert numbering.next_number("检记", 2026) == 2
    nested.rollback()
    assert numbering.next_number("检记", 2026) == 2


def test_format():
    assert numbering.format_number("汶", "罚", 2026, 12) == "汶应急罚〔2026〕12号"


@pytest.mark.parametrize(("code", "year"), [("", 2026), ("x" * 17, 2026), ("罚", 1999)])
def test_bad_arguments(app, code, year):
    with pytest.raises(ValueError):
        numbering.next_number(code, year)


@pytest.mark.committed
def test_parallel_threads_get_no_duplicate_and_no_gap(app):
    """8 threads × 25 numbers, each in its own transaction (PostgreSQL: FOR UPDATE row lock;
    SQLite: BEGIN IMMEDIATE)."""
    taken: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker():
        try:
            with app.app_context():
                for _ in range(25):
                    value = numbering.next_number("并发", 2026)
                    db.session.commit()
                    with lock:
                        taken.append(value)
                db.session.remove()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 201))
    stored = db.session.scalar(sa.select(numbering.Counter.last_value).where(
        numbering.Counter.code == "并发"))
    assert stored == 200
