"""A throw-away S3-API server on loopback for the store's tests (moto's server, in a thread).

`s3_server()` starts it on 127.0.0.1 at a free port, creates one bucket and yields the
settings `DISCLOSURE_STORE=s3` needs (as `Settings.s3` and as environment variables); the
server is stopped when the block ends. The credentials are moto's: it accepts any.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

BUCKET = "disclosure-files"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def s3_server() -> Iterator[dict[str, str]]:
    import boto3
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        s3 = {
            "bucket": BUCKET,
            "endpoint": f"http://127.0.0.1:{port}",
            "region": "us-east-1",
            "access_key": "test-access",
            "secret_key": "test-secret",
        }
        client = boto3.client(
            "s3",
            endpoint_url=s3["endpoint"],
            region_name=s3["region"],
            aws_access_key_id=s3["access_key"],
            aws_secret_access_key=s3["secret_key"],
        )
        client.create_bucket(Bucket=BUCKET)
        yield s3
    finally:
        server.stop()


def s3_env(s3: dict[str, str]) -> dict[str, str]:
    """The environment of a process using the same store (`disclosure worker`, the CLI)."""
    return {"DISCLOSURE_STORE": "s3", **{f"DISCLOSURE_S3_{k.upper()}": v for k, v in s3.items()}}
