from __future__ import annotations

from collections.abc import Iterator

import pytest

from .helpers import REDIS_OPS_URL, redis_keys_removed


@pytest.fixture
def ops_redis() -> Iterator[str]:
    """Redis for this test (database 9 by default), skipped without it; every key written is removed."""
    import redis

    try:
        redis.Redis.from_url(REDIS_OPS_URL, socket_connect_timeout=1).ping()
    except OSError:
        pytest.skip(f"needs Redis at {REDIS_OPS_URL}")
    with redis_keys_removed(REDIS_OPS_URL):
        yield REDIS_OPS_URL
