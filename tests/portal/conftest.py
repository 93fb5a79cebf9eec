from collections.abc import Iterator

import pytest
from django.utils import translation

from tests.pages_fixtures import *  # noqa: F403


@pytest.fixture(autouse=True)
def _language_of_the_test() -> Iterator[None]:
    """A patient page activates its language in the test's thread; the next test starts from the default."""
    yield
    translation.deactivate()
