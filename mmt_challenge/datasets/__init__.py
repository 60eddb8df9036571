"""M-MiT annotations, the multi-label video dataset and the mini-dataset generator."""
from .annotation_builder import BuildSummary, build_list_file, check_video
from .annotations import (VideoAnnotation, atomic_write_text,
                          labels_to_multi_hot, read_label_map, read_list_file,
                          read_mmit_csv, write_list_file)
from .class_counts import (count_classes, load_class_counts,
                           read_class_counts, write_class_counts)
from .mini_classes import (MINI_CLASSES, MiniClass, class_indices_by_kind,
                           load_mini_classes, motion_class_indices)
from .mini_dataset import generate_mini_dataset
from .mini_pair import (PAIR_CLASSES, PLANTED_PAIRS, PairClass,
                        generate_mini_pair_dataset, sample_pair_scene)
from .multi_source_dataset import MultiSourceDataset, label_to_target
from .multi_source_sampler import MultiSourceSampler
from .multilabel_video_dataset import MultiLabelVideoDataset

__all__ = [
    'VideoAnnotation', 'read_mmit_csv', 'read_list_file', 'write_list_file',
    'read_label_map', 'labels_to_multi_hot', 'atomic_write_text',
    'BuildSummary', 'build_list_file', 'check_video', 'MultiLabelVideoDataset',
    'MINI_CLASSES', 'MiniClass', 'generate_mini_dataset', 'load_mini_classes',
    'class_indices_by_kind', 'motion_class_indices', 'MultiSourceDataset',
    'MultiSourceSampler', 'label_to_target', 'PAIR_CLASSES', 'PLANTED_PAIRS',
    'PairClass', 'generate_mini_pair_dataset', 'sample_pair_scene',
    'count_classes', 'load_class_counts', 'read_class_counts',
    'write_class_counts'
]
