from pathlib import Path

from gridgov.config import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def test_every_setting_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"`{name}`" not in text]
    assert missing == []


def test_settings_come_from_gridgov_environment_variables(monkeypatch) -> None:
    monkeypatch.setenv("GRIDGOV_PORT", "9123")
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", "postgresql://x@db/y")
    s = Settings()
    assert s.port == 9123 and s.resolved_database_url == "postgresql://x@db/y"


def test_the_default_database_is_sqlite_under_the_data_dir(tmp_path) -> None:
    s = Settings(data_dir=tmp_path)
    assert s.resolved_database_url == f"sqlite:///{tmp_path.resolve() / 'gridgov.db'}"
