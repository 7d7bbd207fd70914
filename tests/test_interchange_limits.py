"""Every reader stops at its byte limit: a 100 MB upload costs one read of the limit and a
byte, not 100 MB of memory or time."""

import time

import pytest

from debates.interchange import aif, argdown, kialo
from tests.interchange_helpers import CountingReader, refusal


@pytest.mark.parametrize(
    ("read", "line", "limit"),
    [
        pytest.param(argdown.read, b"[A]: x\n", 200_000, id="argdown"),
        pytest.param(kialo.read, b"1.1. Pro: x\n", 500_000, id="kialo"),
        pytest.param(aif.read, b" ", 1_000_000, id="aif"),
    ],
)
def test_a_100_mb_file_is_refused_after_reading_only_the_limit(read, line, limit):
    upload = CountingReader(100_000_000, line)
    started = time.perf_counter()
    assert f"larger than the limit of {limit:,} bytes" in refusal(read, upload, max_bytes=limit)
    assert upload.given == limit + 1
    assert time.perf_counter() - started < 5  # generous: it reads at most 1 MB, not 100 MB
