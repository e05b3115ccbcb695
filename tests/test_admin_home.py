"""The admin's home page links the insights pages."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


def test_it_links_the_insights_pages_from_the_admin_home(client):
    User.objects.create_superuser("alice", "alice@example.fi", "pw-alice-123")
    client.login(username="alice", password="pw-alice-123")
    page = client.get("/admin/").content.decode()
    assert 'href="/insights/unanswered/"' in page
    assert 'href="/insights/"' in page
    # The admin's own content is still there below the links.
    assert "app-faqbot" in page
