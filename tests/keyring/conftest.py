from tests.keyring.real_keyring import real_keyring  # noqa: F401 - the fixture
