"""Errors and warnings the estimator raises."""


class EffectInputError(ValueError):
    pass


class PoorBalanceWarning(UserWarning):
    pass
