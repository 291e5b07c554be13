"""Helpers that tests of more than one folder use: importable as ``helpers`` wherever the tests
run, as tests/conftest.py is (tests/ is on the path pytest gives the tests), so that no test puts
another test folder on ``sys.path`` to borrow one from a test module there."""
