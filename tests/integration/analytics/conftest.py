import pytest

from tests.support import chdb


@pytest.fixture
def ch():
    return chdb.fresh()
