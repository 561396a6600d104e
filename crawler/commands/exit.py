"""Exit statuses shared by every command (documented in the README)."""

EXIT_OK = 0  # success; for `diff`: no differences
EXIT_FAILED = 1  # some work failed (a source, an article); for `diff`: differences found
EXIT_USAGE = 2  # usage or configuration error, or trouble
