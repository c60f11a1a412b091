"""The domain: values and models, errors (one table of exit code, HTTP status, code), rules
(policy, refs, lifecycle), workspace, recommend. Imports only the standard library and core."""
