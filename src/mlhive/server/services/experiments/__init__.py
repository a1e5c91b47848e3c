"""Experiment use cases: tasks, flows, setups, runs, evaluations, suites and studies."""
