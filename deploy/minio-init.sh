#!/bin/sh
# compose.yaml's one-shot `minio-init` (the MinIO client image): makes the evidence bucket and the application's
# own access key, allowed that bucket and nothing else (never MinIO's root account). Safe to run again: at every
# `docker compose up` it finds the bucket and the key there and sets their rules again (a new
# S3_SECRET_ACCESS_KEY in .env takes effect here).
set -eu

: "${MINIO_ROOT_USER:?}" "${MINIO_ROOT_PASSWORD:?}" "${S3_BUCKET:?}" "${S3_ACCESS_KEY_ID:?}" "${S3_SECRET_ACCESS_KEY:?}"

mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null

mc mb --ignore-existing "local/$S3_BUCKET"
# Private: no anonymous access, ever (the application gives files out itself, after its access check).
mc anonymous set none "local/$S3_BUCKET"
# A file overwritten or deleted by mistake keeps its earlier version.
mc version enable "local/$S3_BUCKET"
# Encrypted at rest with MinIO's key (MINIO_KMS_SECRET_KEY), also for any object written without asking; the
# application asks anyway (S3_SSE, AES256 by default).
mc encrypt set sse-s3 "local/$S3_BUCKET"

policy=$(mktemp)
cat >"$policy" <<JSON
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Action": ["s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET"]
    },
    {
      "Effect": "Allow",
      "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload",
                 "s3:ListMultipartUploadParts"],
      "Resource": ["arn:aws:s3:::$S3_BUCKET/*"]
    }
  ]
}
JSON
mc admin policy create local scrsystem-evidence "$policy"
rm -f "$policy"

mc admin user add local "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY" >/dev/null
# Attaching a policy the user already has is refused as "already in effect": then check that it has it.
if ! mc admin policy attach local scrsystem-evidence --user "$S3_ACCESS_KEY_ID" 2>/dev/null; then
    mc admin user info local "$S3_ACCESS_KEY_ID" | grep -q scrsystem-evidence
fi
echo "Bucket $S3_BUCKET ready; key $S3_ACCESS_KEY_ID may use it."
