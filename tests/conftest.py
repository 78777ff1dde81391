import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

ROOT = Path(__file__).resolve().parent.parent

# The command line caches validated sets; a test run keeps its own, never the user's,
# and leaves nothing behind (mutation runs start thousands of test processes).
_CACHE_DIR = tempfile.mkdtemp(prefix="kpiscore-test-cache-")
os.environ["KPISCORE_CACHE_DIR"] = _CACHE_DIR
atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)


@pytest.fixture
def root() -> Path:
    return ROOT


def make_set(
    indicators: str,
    categories: str = "  - {id: main, name: 主要指标, weight: 100}\n",
    extra: str = "",
) -> str:
    return (
        "kpiscore: 1\nid: t\nname: 测试\n"
        + extra
        + "categories:\n"
        + categories
        + "indicators:\n"
        + indicators
    )
