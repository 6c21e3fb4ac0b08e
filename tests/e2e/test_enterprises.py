"""Journey: an officer imports a sheet with one bad row, reads the error, fixes it, imports,
finds the enterprise by its pinyin initials and sees its class with the reasons."""

import pytest
from openpyxl import Workbook

from enforcement.enterprises import uscc
from enforcement.enterprises.importer import COLUMNS
from tests.e2e.conftest import shot, sign_in

pytestmark = pytest.mark.e2e


def _sheet(path, rows):
    wb = Workbook()
    wb.active.append([c.header for c in COLUMNS])
    for row in rows:
        wb.active.append([row.get(c.header, "") for c in COLUMNS])
    wb.save(path)
    return str(path)


def test_import_fix_find_and_read_the_class(page, live_server, tmp_path):
    good = uscc.generate("370830", seed=20261128)
    target = uscc.generate("370830", seed=20261129)
    wrong = target[:-1] + ("0" if target[-1] != "0" else "1")
    rows = [
        {"统一社会信用代码": good, "企业名称": "汶上县旭日彩印包装有限公司",
         "乡镇（街道）": "康驿镇", "行业代码": "C2231", "从业人数": 45, "标准化等级": "三级"},
        {"统一社会信用代码": wrong, "企业名称": "汶上县祥瑞铝业有限公司",
         "乡镇（街道）": "义桥镇", "行业代码": "C3216", "从业人数": 130, "金属冶炼": "是",
         "粉尘涉爆": "是", "涉金属粉尘": "是", "粉尘作业人数": 16},
    ]
    sign_in(page, live_server, "officer1")
    page.goto(f"{live_server}/enterprises/import")
    page.set_input_files("input[name=file]", _sheet(tmp_path / "第一版.xlsx", rows))
    page.click("button:has-text('上传并试运行')")
    errors = page.locator("[data-testid=import-errors]")
    errors.wait_for()
    text = errors.inner_text()
    assert "3" in text and "统一社会信用代码" in text and "校验码应为" in text
    assert page.locator("button:has-text('确认导入')").count() == 0
    shot(page, "import-error")

    rows[1]["统一社会信用代码"] = target
    page.goto(f"{live_server}/enterprises/import")
    page.set_input_files("input[name=file]", _sheet(tmp_path / "第二版.xlsx", rows))
    page.click("button:has-text('上传并试运行')")
    page.locator("button:has-text('确认导入')").click()
    page.locator("[data-testid=import-summary]").wait_for()
    page.wait_for_selector("text=已导入")
    assert "新增 2" in page.locator("[data-testid=import-summary]").inner_text()
    shot(page, "import-done")

    page.goto(f"{live_server}/enterprises/")
    page.fill("#q", "xrly")  # 祥瑞铝业 by its initials
    page.click("button:has-text('查询')")
    page.click("a[data-testid=enterprise-link]:has-text('祥瑞铝业')")
    classification = page.locator("[data-testid=classification]")
    assert "A" in classification.locator(".badge").first.inner_text()
    factors = page.locator("[data-testid=factors]").inner_text()
    assert "金属冶炼" in factors and "粉尘" in factors
    shot(page, "enterprise-detail")
