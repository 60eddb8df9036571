# The default runtime for iteration-based schedules (sgd_cosine_180k.py):
# logs and checkpoints counted in iterations, a checkpoint at every
# validation (every 10k iterations).
_base_ = './default_runtime.py'

default_hooks = dict(
    logger=dict(interval=100),
    checkpoint=dict(by_epoch=False, interval=10000))
log_processor = dict(by_epoch=False)
