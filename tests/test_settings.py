"""Settings come from the environment only, with safe defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), "
    "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], "
    "'hosts': settings.CHANNEL_LAYERS['default'].get('CONFIG', {}).get('hosts'), "
    "'debug': settings.DEBUG, 'allowed': settings.ALLOWED_HOSTS, "
    "'secret': settings.SECRET_KEY}))"
)


def settings_with(tmp_path: Path, **env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY"}
    }
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", KUNTACHAT_VAR_DIR=str(tmp_path), **env)
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_it_defaults_to_sqlite_and_the_in_memory_layer(tmp_path):
    found = settings_with(tmp_path)
    assert found["engine"] == "django.db.backends.sqlite3"
    assert found["name"].startswith(str(tmp_path))
    assert found["layer"] == "channels.layers.InMemoryChannelLayer"
    assert found["debug"] is False
    assert found["allowed"] == ["127.0.0.1", "localhost"]


def test_it_keeps_the_generated_secret_key_between_starts(tmp_path):
    first = settings_with(tmp_path)["secret"]
    assert len(first) >= 50
    assert settings_with(tmp_path)["secret"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_it_switches_to_postgresql_and_redis(tmp_path):
    found = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/kunta",
        REDIS_URL="redis://cache.example:6379/2",
        DEBUG="true",
        ALLOWED_HOSTS="chat.example.fi, other.example.fi",
        SECRET_KEY="s3cret",
    )
    assert found["engine"] == "django.db.backends.postgresql"
    assert found["name"] == "kunta"
    assert found["layer"] == "channels_redis.core.RedisChannelLayer"
    assert found["hosts"] == ["redis://cache.example:6379/2"]
    assert found["debug"] is True
    assert found["allowed"] == ["chat.example.fi", "other.example.fi"]
    assert found["secret"] == "s3cret"
