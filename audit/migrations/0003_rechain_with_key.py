# The keyed chain, step 2 of 3: existing records are numbered and re-hashed with AUDIT_CHAIN_KEY, and every
# existing row of a sealed model is sealed as it is now by a "recorded" record at the end of the chain.
#
# This rewrites the chain in place. That is acceptable only because the product is not live yet: no chain exists
# whose unkeyed hashes anyone relies on. On a live system, records must never be rewritten; a change of hashing
# would start a new chain instead, anchored to the old one's head.

from django.db import migrations
from django.utils import timezone

from audit import chain

BATCH = 1000


def rechain(apps, schema_editor):
    ChangeRecord = apps.get_model("audit", "ChangeRecord")
    ChainHead = apps.get_model("audit", "ChainHead")
    ContentType = apps.get_model("contenttypes", "ContentType")
    sequence, previous = 0, ""

    def link(record):
        nonlocal sequence, previous
        sequence += 1
        record.sequence, record.previous_hash = sequence, previous
        record.hash = previous = chain.record_hash(record)
        return record

    for record in ChangeRecord.objects.order_by("id").iterator(chunk_size=BATCH):
        link(record)
        record.save(update_fields=["sequence", "previous_hash", "hash"])

    now = timezone.now()
    for label in chain.SEALED_FIELDS:
        model = apps.get_model(label)
        if not model.objects.exists():
            continue
        content_type = ContentType.objects.get_for_model(model)
        name = model._meta.verbose_name
        batch = []
        for row in model.objects.order_by("pk").iterator(chunk_size=BATCH):
            batch.append(link(ChangeRecord(
                content_type=content_type, object_id=row.pk, object_repr=f"{name} #{row.pk}", verb="recorded",
                changes={}, actor=None, at=now, seal=chain.seal_of(row),
            )))
            if len(batch) == BATCH:
                ChangeRecord.objects.bulk_create(batch)
                batch = []
        ChangeRecord.objects.bulk_create(batch)

    ChainHead.objects.update_or_create(pk=1, defaults={"sequence": sequence, "last_hash": previous})


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_chain_sequence_and_seal'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('accounts', '0003_secondfactorrule_alter_securityevent_kind'),
        ('actionplans', '0001_initial'),
        ('evidence', '0002_download_address'),
    ]

    # Not reversible: the unkeyed hashes are not kept.
    operations = [migrations.RunPython(rechain)]
