"""Only for scrapyd-deploy, which builds eggs by running setup.py; see pyproject.toml."""

from setuptools import setup

setup()
