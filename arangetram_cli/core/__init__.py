"""The domain: values and models, errors (one table of exit code, HTTP status, code), rules
(policy, refs, lifecycle), workspace, recommend, the vendor-file import (importer: JSON, JSON
Lines and CSV readers; import_rows: validation; import_fast: its fast path). Imports only the
standard library and core."""
