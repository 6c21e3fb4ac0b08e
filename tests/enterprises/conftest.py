import random

import pytest

from enforcement.enterprises import uscc
from enforcement.extensions import db

_rng = random.Random(7)


@pytest.fixture
def new_uscc():
    def make():
        return uscc.generate("370830", seed=_rng.randrange(10**9))
    return make


@pytest.fixture
def make_enterprise(app, new_uscc):
    """An enterprise made through the service (the real path), committed."""
    from enforcement.enterprises import service

    def make(**fields):
        data = {"uscc": new_uscc(), "name": f"汶上县测试{_rng.randrange(10**6)}有限公司",
                "township": "南站镇", "industry_code": "C3311", **fields}
        enterprise = service.create_enterprise(data, None)
        db.session.commit()
        return enterprise
    return make
