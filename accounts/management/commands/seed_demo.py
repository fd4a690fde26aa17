from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import DEMO_OPERATOR, seed_demo


class Command(BaseCommand):
    help = "Load the demo data set (every account status); running it twice creates nothing twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=getattr(settings, "DEMO_PASSWORD", "lifecycle-demo"),
            help="Password for the demo operator and customers (only set when they are created).",
        )

    def handle(self, *args, password, **options):
        created = seed_demo(password)
        self.stdout.write(
            f"Demo data: {created['accounts']} account(s), {created['users']} customer user(s), "
            f"{created['memberships']} membership(s) created."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Operator login: http://127.0.0.1:8000/admin/  user: {DEMO_OPERATOR}  "
                f"password: {password}"
            )
        )
