"""SQS conformance tests (issue 2): a live Cloudlet server driven by real clients, checked against AWS's
documented behaviour. A package so that module names (queues.test_errors, ...) never clash with other suites."""
