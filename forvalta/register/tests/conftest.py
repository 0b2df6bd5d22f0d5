"""The register tests' small world (`reg`) and its administrator's client, shared with
the register's other test modules."""

from forvalta.register.tests.test_register_views import org_admin_client, reg

__all__ = ["org_admin_client", "reg"]
