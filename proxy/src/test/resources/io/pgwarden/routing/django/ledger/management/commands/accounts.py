"""Every account this Django sees, with its number of entries, one a line."""
from django.core.management.base import BaseCommand
from django.db.models import Count

from ledger.models import Account


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        for account in Account.objects.annotate(n=Count("entries")).order_by("name"):
            self.stdout.write("%s %d" % (account.name, account.n))
