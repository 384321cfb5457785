# The keyed chain, step 1 of 3: the new columns, empty. (Three migrations, because on PostgreSQL a table cannot
# be altered in the transaction that filled it: 0003 fills them, 0004 makes the sequence required and unique.)

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='changerecord',
            name='sequence',
            field=models.PositiveBigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name='changerecord',
            name='seal',
            field=models.CharField(blank=True, default='', max_length=64),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='changerecord',
            name='verb',
            field=models.CharField(choices=[('created', 'Created'), ('changed', 'Changed'), ('recorded', 'Recorded')], max_length=20),
        ),
        migrations.AddField(
            model_name='chainhead',
            name='sequence',
            field=models.PositiveBigIntegerField(default=0),
        ),
    ]
