from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.pages_fixtures import *  # noqa: F403


@pytest.fixture(autouse=True)
def _language_of_the_test() -> Iterator[None]:
    """A clinic page in Arabic activates Arabic in the test's thread; the next test starts from the default
    (as in tests/portal), else a later test reading the active language (the alert texts) gets Arabic."""
    yield
    translation.deactivate()
