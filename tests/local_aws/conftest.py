"""Every local-AWS test starts from an empty store."""

from __future__ import annotations

import pytest

from sfn_notebook import local_aws


@pytest.fixture(autouse=True)
def _fresh_store():
    local_aws.reset()
    yield
    local_aws.reset()
