"""The base every stage imports: where things live (settings), one run per warehouse (locking), and
the test-only fault points. Imports nothing else of ours."""
