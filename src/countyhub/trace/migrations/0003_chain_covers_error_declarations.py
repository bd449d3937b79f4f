"""Chains now cover error declarations (gs1.hashing.chain_hash). Relink the stored chains that
hold a declaration, but only those whose every link still follows under the old rule: a chain
that was already broken stays broken, so verify keeps reporting it."""

import hashlib

from django.db import migrations

from countyhub.gs1.epcis import event_from_jsonld
from countyhub.gs1.hashing import GENESIS, chain_hash


def _old_rule(previous, row):
    return hashlib.sha256((previous + row.event_hash).encode("utf-8")).hexdigest()


def _new_rule(previous, row):
    return chain_hash(previous, row.event_hash, event_from_jsonld(row.document).error_declaration)


def _relink(apps, recorded_rule, wanted_rule):
    Batch = apps.get_model("trace", "Batch")
    TraceEvent = apps.get_model("trace", "TraceEvent")
    batch_ids = TraceEvent.objects.filter(kind="error_declaration").values_list(
        "batch_id", flat=True
    )
    for batch in Batch.objects.filter(pk__in=set(batch_ids)):
        rows = list(TraceEvent.objects.filter(batch=batch).order_by("sequence"))
        recorded = wanted = GENESIS
        links = []
        for row in rows:
            recorded = recorded_rule(recorded, row)
            if recorded != row.chain_hash:
                break
            wanted = wanted_rule(wanted, row)
            links.append((row.pk, wanted))
        else:
            if rows and recorded == batch.chain_head:
                for pk, link in links:
                    TraceEvent.objects.filter(pk=pk).update(chain_hash=link)
                Batch.objects.filter(pk=batch.pk).update(chain_head=wanted)


def relink(apps, schema_editor):
    _relink(apps, _old_rule, _new_rule)


def unlink(apps, schema_editor):
    _relink(apps, _new_rule, _old_rule)


class Migration(migrations.Migration):
    dependencies = [("trace", "0002_packing_transformation")]

    operations = [migrations.RunPython(relink, unlink)]
