"""The REST API tests use the real servers defined in tests/conftest.py."""
