"""certreg's issuing side; :data:`__version__` is the package's version (pyproject.toml reads it from here).

``certreg --version`` prints it as it is: looking the installed version up (``importlib.metadata``) cost a
third of the command's start-up.
"""

__version__ = "0.1.0"
