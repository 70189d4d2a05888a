"""Creates, reads, updates and deletes one account's entries in transaction.atomic(), one line per fact."""
from django.core.management.base import BaseCommand
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from ledger.models import Account, Entry


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("account")

    def handle(self, *args, account, **options):
        lines = []
        with transaction.atomic():
            acct = Account.objects.create(name=account)
            Entry.objects.bulk_create([Entry(account=acct, label="e%d" % i, amount=10 * i) for i in range(1, 6)])
            locked = Account.objects.select_for_update().get(pk=acct.pk)
            lines.append("created %d entries, sum %d" % (locked.entries.count(), locked.entries.aggregate(s=Sum("amount"))["s"]))
            raised = acct.entries.filter(amount__gte=30).update(amount=F("amount") + 1, note="raised")
            first = acct.entries.get(label="e1")
            first.note = "first"
            first.save()
            lines.append("updated %d" % (raised + 1))
            try:
                with transaction.atomic():  # a savepoint: only it is rolled back
                    Entry.objects.create(account=acct, label="e2", amount=0)
            except IntegrityError as e:
                lines.append("duplicate e2: %s, rolled back to the savepoint" % e.__cause__.pgcode)
            deleted, _ = acct.entries.filter(label="e5").delete()
            lines.append("deleted %d" % deleted)
        try:
            with transaction.atomic():
                Entry.objects.create(account=acct, label="e6", amount=60)
                raise RuntimeError("roll back")
        except RuntimeError:
            lines.append("e6 rolled back")
        # read back after the commit; iterator() uses a server-side cursor unless DISABLE_SERVER_SIDE_CURSORS
        for entry in Entry.objects.filter(account__name=account).order_by("label").iterator(chunk_size=2):
            lines.append("%s %d %s" % (entry.label, entry.amount, entry.note or "-"))
        acct.refresh_from_db()
        lines.append("opened at UTC offset %s" % acct.opened.utcoffset())
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            lines.append("schema %s" % cursor.fetchone()[0])
        self.stdout.write("\n".join(lines))
