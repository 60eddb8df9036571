import numpy as np
from sklearn.metrics import average_precision_score

from mmt_challenge.evaluation import class_ap, sample_ap


def test_sample_ap_and_class_ap_match_sklearn_with_ties():
    rng = np.random.default_rng(3)
    scores = np.round(rng.random((40, 9)), 1)  # many ties
    labels = (rng.random((40, 9)) < 0.3).astype(int)
    labels[5] = 0  # a sample without a positive
    labels[:, 2] = 0  # a class without a positive

    per_sample = sample_ap(scores, labels)
    assert np.isnan(per_sample[5])
    for i in np.flatnonzero(labels.any(axis=1)):
        np.testing.assert_allclose(
            per_sample[i],
            average_precision_score(labels[i], scores[i]),
            rtol=1e-12)

    per_class = class_ap(scores, labels)
    assert np.isnan(per_class[2])
    for c in np.flatnonzero(labels.any(axis=0)):
        np.testing.assert_allclose(
            per_class[c],
            average_precision_score(labels[:, c], scores[:, c]),
            rtol=1e-12)
