"""A real S3 API for the object storage tests: moto's server (README, "Object storage").

CI (.ci/run) starts `moto_server` on loopback, like PostgreSQL and Redis, and names it in S3_TEST_ENDPOINT_URL;
without it (a developer's machine) the same server is started here, in a thread, on a free loopback port. Either
way the tests speak HTTP to it through boto3 and django-storages, exactly as to AWS or MinIO.
"""

import os
import uuid

import boto3
import pytest
from moto.server import ThreadedMotoServer

REGION = "eu-west-2"
KEY_ID = "scrsystem-test"
SECRET = "scrsystem-test-secret"


@pytest.fixture(scope="session")
def s3_endpoint():
    """The S3 endpoint URL: CI's moto server, or one started on loopback for this session."""
    configured = os.environ.get("S3_TEST_ENDPOINT_URL")
    if configured:
        yield configured.rstrip("/")
        return
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def client(endpoint):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET
    )


def storage_settings(endpoint, bucket, prefix=""):
    """The "s3" entry of settings.EVIDENCE_STORAGES for ``bucket`` at ``endpoint``, as the settings build it."""
    import botocore.config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "location": prefix,
            "endpoint_url": endpoint,
            "region_name": REGION,
            "access_key": KEY_ID,
            "secret_key": SECRET,
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "addressing_style": "path",
            "client_config": botocore.config.Config(
                connect_timeout=1, read_timeout=5, retries={"max_attempts": 1, "mode": "standard"}
            ),
        },
    }


@pytest.fixture
def s3_bucket(s3_endpoint):
    """A new, empty bucket for one test: its name."""
    name = f"evidence-{uuid.uuid4().hex[:12]}"
    client(s3_endpoint).create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


@pytest.fixture
def s3_evidence(settings, s3_endpoint, s3_bucket):
    """The evidence storage switched to a fresh bucket for one test (EVIDENCE_STORAGE=s3), the filesystem kept
    beside it as EVIDENCE_STORAGES["filesystem"]. Returns the bucket's name."""
    s3 = storage_settings(s3_endpoint, s3_bucket)
    settings.EVIDENCE_STORAGES = {"filesystem": {"BACKEND": "django.core.files.storage.FileSystemStorage"}, "s3": s3}
    settings.STORAGES = {**settings.STORAGES, "evidence": s3}
    return s3_bucket
