"""gradspec in a user's test suite: assertions, hypothesis strategies, the pytest plugin."""
