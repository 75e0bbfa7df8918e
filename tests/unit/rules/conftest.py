import pytest

from subsidy.rules.catalog import load_shipped


@pytest.fixture(scope="session")
def putuo():
    return load_shipped("zhoushan-putuo-2022")


@pytest.fixture(scope="session")
def songjiang():
    return load_shipped("shanghai-songjiang-2021")
