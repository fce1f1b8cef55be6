"""Errors that stop a build; each names the file and the problem."""


class BuildError(Exception):
    pass
