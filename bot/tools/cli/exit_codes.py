"""The CLI's exit codes: 0 ok, 1 database or setup failure, 2 invalid input or refusal."""

EXIT_OK = 0
EXIT_SETUP_ERROR = 1
EXIT_DB_ERROR = 1
EXIT_INVALID = 2
