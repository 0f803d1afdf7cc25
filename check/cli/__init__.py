"""The command line: ``gradspec`` commands, JUnit output, progress lines, and the fuzzer of the CLI."""
