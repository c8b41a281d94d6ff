"""The security tests share one launched tiny studio with the UI tests (same session fixture)."""

from tests.ui.conftest import studio_url  # noqa: F401 - re-exported fixture
