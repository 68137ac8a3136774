"""Great Expectations suites (one per feed, one per published mart) and the code that runs them."""
