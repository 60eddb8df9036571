"""Recognizers trained on several datasets at once (CoVeR / MultiTrain)."""
from .multi_dataset_recognizer import (MultiDatasetRecognizer2D,
                                       MultiDatasetRecognizer3D,
                                       MultiDatasetRecognizerMixin)

__all__ = [
    'MultiDatasetRecognizerMixin', 'MultiDatasetRecognizer2D',
    'MultiDatasetRecognizer3D'
]
