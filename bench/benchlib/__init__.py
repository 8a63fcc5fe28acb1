"""The pieces of the benchmark harness: servers, load and checks, the report."""
