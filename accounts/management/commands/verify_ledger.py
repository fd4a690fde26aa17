"""`manage.py verify_ledger`: balances against the ledger, statuses against the rules, history
chains and orphan rows; exit 1 when an invariant is broken. Safe on production (read-only,
chunked: memory does not grow with the number of accounts).

It runs accounts.integrity's registry: each app registers the checks of its own rules."""

import json

from django.core.management.base import BaseCommand, CommandError

from accounts import integrity


class Command(BaseCommand):
    help = "Verify balances, invoices, statuses and their history; exit 1 on a violation."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print the report as JSON")
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=integrity.CHUNK_SIZE,
            help="accounts read per query (default %(default)s)",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="also fail on pending findings (a status the next sweep would change)",
        )

    def handle(self, *args, json: bool = False, chunk_size: int, strict: bool, **options):
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        report = integrity.verify(chunk_size=chunk_size)
        if json:
            self.stdout.write(_json_dumps(report.as_dict()))
        else:
            self._print(report)
        if report.violations or (strict and report.pending):
            raise SystemExit(1)

    def _print(self, report: integrity.Report) -> None:
        checked = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in report.checked.items())
        self.stdout.write(f"Checked {checked}.")
        for finding in report.findings:
            style = (
                self.style.ERROR if finding.severity == integrity.VIOLATION else self.style.WARNING
            )
            self.stdout.write(
                style(
                    f"{finding.severity.upper():9} {finding.rule_id:6} {finding.check:13} "
                    f"{finding.subject}: {finding.message}"
                )
            )
        shown = len(report.findings)
        total = report.violations + report.pending
        if shown < total:
            self.stdout.write(f"({total - shown} more not listed; counts: {dict(report.counts)})")
        summary = f"{report.violations} violation(s), {report.pending} pending."
        self.stdout.write((self.style.ERROR if report.violations else self.style.SUCCESS)(summary))


def _json_dumps(data) -> str:
    return json.dumps(data, indent=2, default=str)
