"""The error of a model given to ovspeech that is not what its kind needs."""


class ModelInputError(Exception):
    """The message says what is wrong with the given model, in one line."""
