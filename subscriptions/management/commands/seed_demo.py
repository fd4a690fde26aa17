"""Load the demo data set: every back-end status, each reached the way the product reaches it.

Each app seeds its own part (accounts/demo.py, billing/demo.py, subscriptions/demo.py); the
command lives in subscriptions, the top app, because only it may call all three (STYLE "Which app
may know which"). The order matters: accounts and operator decisions, then money set-up, then
orders (a prepaid order may put an account on credit hold), then overdue invoices and the dunning
sweep.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import demo_resellers
from accounts.demo import DEMO_OPERATOR, seed_demo
from billing import demo as billing_demo
from subscriptions import demo as subscriptions_demo


class Command(BaseCommand):
    help = "Load the demo data set (every account status); running it twice creates nothing twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=getattr(settings, "DEMO_PASSWORD", "lifecycle-demo"),
            help="Password for the demo operator and customers (only set when they are created).",
        )

    def handle(self, *args, password, **options):
        today = timezone.localdate()
        with transaction.atomic():
            created = seed_demo(password)
            operator = get_user_model().objects.get(username=DEMO_OPERATOR)
            # Issue 17: two resellers, their policies (billing), then their own customers.
            resellers = demo_resellers.seed_resellers(password)
            billing_demo.seed_reseller_policies()
            reseller_accounts = demo_resellers.seed_reseller_accounts(operator, password)
            billing_demo.prepare_accounts(operator)
            plans = subscriptions_demo.seed_catalogue()
            orders = subscriptions_demo.seed_subscriptions(operator, today)
            keys = subscriptions_demo.seed_service_keys(operator)
            dunning = billing_demo.bill_overdue_accounts(operator, today)
        self.stdout.write(
            f"Demo data: {created['accounts']} account(s), {created['users']} customer user(s), "
            f"{created['memberships']} membership(s), {plans} plan(s), {orders} order(s), "
            f"{dunning['steps_recorded']} dunning step(s) created; {resellers['resellers']} "
            f"reseller(s) with {resellers['operators']} operator(s) and {reseller_accounts} "
            "account(s) of their own."
        )
        for name, raw in keys.items():  # R-S3: shown once, like the admin's "add key"
            self.stdout.write(f"Service API key {name}: {raw}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Operator login: http://127.0.0.1:8000/admin/  user: {DEMO_OPERATOR}  "
                f"password: {password}"
            )
        )
        self.stdout.write(
            "Reseller operators (they see their reseller's accounts only): "
            + ", ".join(f"{r[5]} ({name})" for name, r in demo_resellers.DEMO_RESELLERS.items())
            + f"  password: {password}"
        )
