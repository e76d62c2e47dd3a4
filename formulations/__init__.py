"""The built-in library (YAML data, with sources). Installed as the package `mesocalc.formulations`
(pyproject.toml maps it from this top-level folder); read by `mesocalc.system.paths.builtin_formulations`."""
