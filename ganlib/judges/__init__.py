"""Judges: small classifiers the project trains itself to score generated images.

* ``digit``: ``DigitJudge`` for MNIST digits: FD features, confidence, coverage.
* ``scene``: ``SceneJudge`` for i-CLEVR-like scenes (24 object kinds, multi-label), and the
  course's ResNet18 evaluator; ``load_iclevr_evaluator`` gives whichever the lab uses.
* ``domain``: ``DomainJudge`` tells two image domains apart for the CycleGAN lab.
* ``fit``: their shared training loop and weight files.
"""
from .digit import (DigitJudge, accuracy, evaluate_digits, load_mnist_judge, mnist_judge_splits, predict,
                    train_mnist_judge)
from .domain import DomainJudge, domain_accuracy, domain_rate, prob_b, train_domain_judge
from .fit import JUDGE_DIR, fit_judge
from .scene import (ICLEVREvaluator, SceneJudge, iclevr_judge_holdout, load_iclevr_evaluator,
                    load_official_evaluator, predict_scenes, train_iclevr_judge)

__all__ = ["DigitJudge", "accuracy", "evaluate_digits", "load_mnist_judge", "mnist_judge_splits", "predict",
           "train_mnist_judge", "DomainJudge", "domain_accuracy", "domain_rate", "prob_b", "train_domain_judge", "JUDGE_DIR",
           "fit_judge", "ICLEVREvaluator", "SceneJudge", "iclevr_judge_holdout", "load_iclevr_evaluator",
           "load_official_evaluator", "predict_scenes", "train_iclevr_judge"]
