"""Issue a per-service API key for the entitlement API and print it once."""

from django.core.management.base import BaseCommand, CommandError

from accounts.actors import Actor
from accounts.api.keys import InvalidApiKey, issue_service_api_key


class Command(BaseCommand):
    help = "Issue an API key for a provider's service (fax server, VoIP switch); prints it once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the service's name, e.g. 'fax-server-1'")
        parser.add_argument(
            "--service",
            default="",
            help="the plans' service the key answers for, e.g. Fax (R-S3); default: the account",
        )

        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            help="read, write, payments or entitlement (repeat it); default: entitlement",
        )

    def handle(self, *args, name, service="", scopes=None, **options):
        try:
            _row, raw = issue_service_api_key(
                name, actor=Actor.system("ops-command"), service=service, scopes=scopes
            )
        except InvalidApiKey as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(raw)
