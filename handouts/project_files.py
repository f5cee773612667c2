"""The names of a project's files under its root: one home, cheap to import (the no-op's stamp
reads them before anything else is imported)."""

CONFIG_NAME = "handouts.yaml"
# What a project's sheets are made from (the folders are config.Project's properties).
INPUTS = (CONFIG_NAME, "content", "locales", "templates", "fonts", "brands")
