"""The command line: flags -> request -> api -> renderer -> exit code."""
