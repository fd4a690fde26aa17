"""Issue 18 defect 11: `make run` says where to log in after the worker's banner, and the admin's
"View site" goes to the control panel."""

import subprocess
from pathlib import Path

from honcho.environ import parse_procfile

ROOT = Path(__file__).resolve().parents[2]


def test_make_run_prints_the_operator_and_the_customer_login_after_the_workers_banner():
    processes = parse_procfile((ROOT / "Procfile").read_text()).processes
    command = processes["logins"]
    assert command.startswith("sleep ")  # after the worker's banner has scrolled by
    assert command.endswith("exec tail -f /dev/null")  # honcho stops all when one exits
    quick = command.replace("exec tail -f /dev/null", "true").split("&&", 1)[1]
    out = subprocess.run(  # noqa: S603 - our own Procfile line, on loopback
        ["/bin/sh", "-c", quick],
        capture_output=True,
        text=True,
        check=True,
        env={"DEMO_PASSWORD": "pw-123", "PATH": "/usr/bin:/bin"},
    ).stdout
    assert "http://127.0.0.1:8000/admin/  user: operator  password: pw-123" in out
    assert "http://127.0.0.1:8000/panel/  user: alice  password: pw-123" in out
    assert "/panel/" in (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n")[0]


def test_view_site_in_the_admin_goes_to_the_control_panel(admin_client):
    from django.urls import reverse

    page = admin_client.get(reverse("admin:index")).content.decode()
    assert '<a href="/panel/">View site</a>' in page
    assert reverse("panel:home") == "/panel/"
