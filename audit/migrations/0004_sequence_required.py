# The keyed chain, step 3 of 3: every record has its place now; it is required and unique.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_rechain_with_key'),
    ]

    operations = [
        migrations.AlterField(
            model_name='changerecord',
            name='sequence',
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.AddIndex(
            model_name='changerecord',
            index=models.Index(fields=['content_type', 'object_id', 'sequence'], name='audit_record_seals_idx'),
        ),
    ]
