from tests.admin.conftest import billing_manager, support_agent  # noqa: F401 - operator fixtures
