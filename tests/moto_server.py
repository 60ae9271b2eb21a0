"""One moto server on loopback for the tests that run the real AWS client path
(tests/test_aws_live.py, tests/test_exporter.py).

:func:`moto_endpoint` starts moto's threaded server on a free 127.0.0.1 port
and, while it runs, points boto3 at it through the environment: the endpoint
(``AWS_ENDPOINT_URL``), fake credentials, and no profile, config or shared
credentials file, so nothing on the machine that runs the tests is read and
no request can leave it. The caller creates what it needs with
:func:`aws_client` inside the block.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

#: The region every moto-backed test uses.
REGION = "us-east-1"

#: Variables that could lead boto3 to a real account; removed while moto runs.
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")


@contextlib.contextmanager
def moto_endpoint() -> Iterator[str]:
    """Run a moto server on a free loopback port; yield its URL with the
    environment pointing boto3 at it (restored, and the server stopped, on
    exit)."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        with pytest.MonkeyPatch.context() as mp:
            for var in _UNSET:
                mp.delenv(var, raising=False)
            mp.setenv("AWS_ENDPOINT_URL", url)
            mp.setenv("AWS_ACCESS_KEY_ID", "testing")
            mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
            mp.setenv("AWS_CONFIG_FILE", os.devnull)
            mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
            yield url
    finally:
        server.stop()


def aws_client(service: str) -> Any:
    """A boto3 client of ``service`` in :data:`REGION` (inside
    :func:`moto_endpoint`: one talking to moto)."""
    return boto3.client(service, region_name=REGION)
