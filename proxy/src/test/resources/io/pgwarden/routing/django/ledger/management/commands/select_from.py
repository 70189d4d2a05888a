"""SELECT count(*) FROM <schema>.ledger_account with a raw cursor: the count, or PostgreSQL's SQLSTATE."""
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("schema")

    def handle(self, *args, schema, **options):
        with connection.cursor() as cursor:
            try:
                cursor.execute("SELECT count(*) FROM %s.ledger_account" % connection.ops.quote_name(schema))
                self.stdout.write("count %d" % cursor.fetchone()[0])
            except DatabaseError as e:
                self.stdout.write("sqlstate %s: %s" % (e.__cause__.pgcode, str(e).strip()))
