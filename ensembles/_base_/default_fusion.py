# Fusion defaults shared by the recipes: weighted mean of probabilities, with
# weights fitted on validation by coordinate ascent and an honest 5-fold
# estimate, and a 1000-replicate bootstrap interval of the final sample mAP.
fusion = dict(type='weighted_mean')
search = dict(method='coordinate_ascent', greedy=False, folds=5, seed=0)
bootstrap = dict(num_samples=1000, confidence=0.95, seed=0)
