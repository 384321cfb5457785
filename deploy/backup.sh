#!/bin/sh
# Backs up the Docker Compose stack: the database, then the evidence bucket, in one go (README "Running on several
# machines (Docker Compose)"). Run it on the host that runs compose.yaml, from that directory, e.g. nightly from cron:
#   deploy/backup.sh /srv/backups/scrsystem
# The database first: a file is stored before the record that names it, so the bucket copied after the dump holds
# every file the dump names. Each run writes a new dump; the bucket's copy is kept up to date in DIRECTORY/evidence
# (only new or changed files are copied; nothing is removed from it).
# The copy of the evidence is decrypted (MinIO decrypts what it hands out): keep DIRECTORY as safe as the bucket.
set -eu

dest=${1:?usage: deploy/backup.sh DIRECTORY}
mkdir -p "$dest/evidence"
dest=$(cd "$dest" && pwd)
stamp=$(date +%Y-%m-%dT%H%M)

# pg_dump of the postgres service itself: always the server's own version.
docker compose exec -T postgres pg_dump --username=scrsystem --format=custom scrsystem >"$dest/scrsystem-$stamp.dump.part"
mv "$dest/scrsystem-$stamp.dump.part" "$dest/scrsystem-$stamp.dump"

# mc mirror in the minio-init service's image, with the application's key (it may read the bucket).
docker compose run --rm --no-deps --volume "$dest/evidence:/backup" --entrypoint /bin/sh minio-init -c \
    'mc alias set local http://minio:9000 "$S3_ACCESS_KEY_ID" "$S3_SECRET_ACCESS_KEY" >/dev/null &&
     mc mirror --overwrite "local/$S3_BUCKET" /backup'

echo "Backed up: $dest/scrsystem-$stamp.dump and $dest/evidence/"
