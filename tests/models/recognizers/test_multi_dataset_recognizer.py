import copy

import pytest
import torch
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample

import mmt_challenge  # noqa: F401
from mmt_challenge.models.recognizers import (MultiDatasetRecognizer2D,
                                              MultiDatasetRecognizer3D)

SEGMENTS = 4
SIZES = dict(mmit=5, pair=3)
BACKBONE_2D = dict(type='ResNetTSM', depth=18, pretrained=None,
                   pretrained2d=False, num_segments=SEGMENTS)
PREPROCESSOR_2D = dict(type='ActionDataPreprocessor', format_shape='NCHW')


def head_cfg(**kwargs):
    cfg = dict(
        type='MultiDatasetHead', in_channels=512, num_segments=SEGMENTS,
        dropout_ratio=0.0, init_std=0.1, projection_init_std=0.1,
        test_dataset='mmit',
        datasets=[
            dict(name='mmit', num_classes=5, multi_label=True,
                 loss_cls=dict(type='ScaledBCELoss', scale=2.5)),
            dict(name='pair', num_classes=3,
                 loss_cls=dict(type='CrossEntropyLoss')),
        ])
    cfg.update(kwargs)
    return cfg


def build_2d(informative=True, **head_kwargs):
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='MultiDatasetRecognizer2D', backbone=BACKBONE_2D,
        cls_head=head_cfg(**head_kwargs),
        informative_loss=dict(type='InformativeLoss', in_channels=512,
                              hidden_channels=32) if informative else None,
        data_preprocessor=PREPROCESSOR_2D))
    model.init_weights()
    return model


def sample(dataset, labels):
    s = ActionDataSample()
    names = list(SIZES)
    index = names.index(dataset)
    targets = torch.zeros(sum(SIZES.values()))
    start = sum(list(SIZES.values())[:index])
    targets[[start + label for label in labels]] = 1.0
    s.dataset_targets = targets
    s.loss_mask = torch.eye(len(names))[index]
    s.set_metainfo(dict(dataset_index=index, dataset_name=dataset))
    s.set_gt_label(labels)
    return s


def batch(seed=0, views=1):
    """Four samples (mmit, pair, mmit, pair) of 32 px frames."""
    gen = torch.Generator().manual_seed(seed)
    inputs = torch.randn(4, views * SEGMENTS, 3, 32, 32, generator=gen)
    samples = [sample('mmit', [0, 3]), sample('pair', [2]),
               sample('mmit', [1]), sample('pair', [0])]
    return inputs, samples


def test_loss_terms():
    model = build_2d()
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_cls_mmit', 'loss_proj_mmit', 'loss_cls_pair',
                           'loss_proj_pair', 'loss_variance',
                           'loss_covariance'}
    assert all(torch.isfinite(v) and v.item() >= 0 for v in losses.values())
    no_extras = build_2d(informative=False, with_projections=False)
    assert set(no_extras(inputs, samples, mode='loss')) == {
        'loss_cls_mmit', 'loss_cls_pair'}


def test_loss_masks_route_each_samples_loss_to_its_own_dataset():
    # eval mode: batch norm then uses running statistics, so samples do not
    # interact and each sample's input gradient shows where its loss went
    model = build_2d().eval()
    inputs, samples = batch()
    own = [s.metainfo['dataset_name'] for s in samples]
    for key in ('loss_cls_mmit', 'loss_proj_mmit', 'loss_cls_pair',
                'loss_proj_pair'):
        x = inputs.clone().requires_grad_()
        loss = model(x, samples, mode='loss')[key]
        (grad, ) = torch.autograd.grad(loss, x)
        per_sample = grad.abs().flatten(1).sum(1)
        dataset = key.rsplit('_', 1)[1]
        for b, name in enumerate(own):
            if name == dataset:
                assert per_sample[b] > 0, (key, b)
            else:
                assert per_sample[b] == 0, (key, b)


def test_projection_gradients_reach_the_backbone():
    model = build_2d()
    inputs, samples = batch()
    # the projection pair -> mmit, on the mmit samples
    model(inputs, samples, mode='loss')['loss_proj_mmit'].backward()
    backbone = dict(model.backbone.named_parameters())
    assert backbone['conv1.conv.weight'].grad.abs().sum() > 0
    assert backbone['layer4.1.conv2.conv.weight'].grad.abs().sum() > 0
    head = model.cls_head
    assert head.projections['mmit']['pair'].weight.grad.abs().sum() > 0
    assert head.heads['pair'].weight.grad.abs().sum() > 0
    # the projected logits bypass the mmit classifier
    assert head.heads['mmit'].weight.grad is None
    assert head.projections['pair']['mmit'].weight.grad is None


def test_zero_initialised_projections_pass_gradients_after_one_step():
    model = build_2d(projection_init_std=0.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    inputs, samples = batch()
    grads = []
    for _ in range(2):
        optimizer.zero_grad()
        model(inputs, samples, mode='loss')['loss_proj_mmit'].backward()
        grads.append(model.backbone.conv1.conv.weight.grad.abs().sum())
        optimizer.step()
    assert grads[0] == 0 and grads[1] > 0


def test_informative_loss_gradients_reach_the_backbone_and_expander():
    model = build_2d()
    inputs, samples = batch()
    losses = model(inputs, samples, mode='loss')
    (losses['loss_variance'] + losses['loss_covariance']).backward()
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0
    assert all(p.grad.abs().sum() > 0
               for p in model.informative_loss.expander.parameters())
    assert model.cls_head.heads['mmit'].weight.grad is None


@pytest.mark.parametrize('dataset', ['mmit', 'pair', None])
def test_inference_output_equals_the_target_heads_output(dataset):
    model = build_2d().eval()
    inputs, _ = batch(views=2)
    samples = [ActionDataSample() for _ in range(4)]
    with torch.no_grad():
        out = model(inputs, samples, mode='predict', dataset=dataset)
        name = dataset or 'mmit'
        frames = model.backbone(inputs.view(-1, 3, 32, 32))
        pooled = frames.mean(dim=(2, 3)).view(8, SEGMENTS, 512).mean(1)
        logits = model.cls_head.heads[name](pooled)
        probs = logits.sigmoid() if name == 'mmit' else logits.softmax(1)
        probs = probs.view(4, 2, -1).mean(1)
    for s, expected in zip(out, probs):
        assert s.pred_score.shape == (SIZES[name], )
        torch.testing.assert_close(s.pred_score, expected)


def train_steps(model, steps=3):
    """A few SGD steps on every loss, projections included."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    before = {k: v.clone() for k, v in model.cls_head.state_dict().items()}
    model.train()
    for step in range(steps):
        inputs, samples = batch(seed=step)
        losses = model(inputs, samples, mode='loss')
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    after = model.cls_head.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert any(k.startswith('projections.') for k in changed)
    return model.eval()


@pytest.mark.parametrize('dataset, head', [
    ('mmit', dict(type='MultiLabelTSMHead', num_classes=5, in_channels=512,
                  num_segments=SEGMENTS, multi_class=True,
                  average_clips='sigmoid',
                  loss_cls=dict(type='ScaledBCELoss'))),
    ('pair', dict(type='TSMHead', num_classes=3, in_channels=512,
                  num_segments=SEGMENTS, average_clips='prob')),
])
def test_trained_model_loads_into_the_single_dataset_recognizer(dataset,
                                                                 head):
    model = train_steps(build_2d())
    single = MODELS.build(dict(type='Recognizer2D', backbone=BACKBONE_2D,
                               cls_head=head,
                               data_preprocessor=PREPROCESSOR_2D))
    state = model.single_dataset_state_dict(dataset)
    assert not any('projections' in k or 'informative_loss' in k
                   or 'heads.' in k for k in state)
    single.load_state_dict(state, strict=True)
    single.eval()
    inputs, _ = batch(seed=7, views=3)
    with torch.no_grad():
        expected = model(inputs, [ActionDataSample() for _ in range(4)],
                         mode='predict', dataset=dataset)
        got = single(inputs, [ActionDataSample() for _ in range(4)],
                     mode='predict')
    for e, g in zip(expected, got):
        torch.testing.assert_close(g.pred_score, e.pred_score)


def test_mlp_heads_export_into_a_one_dataset_multi_dataset_head():
    model = train_steps(build_2d(hidden_channels=16))
    state = model.single_dataset_state_dict('pair')
    single_head = head_cfg(hidden_channels=16, with_projections=False,
                           test_dataset=None)
    single_head['datasets'] = [single_head['datasets'][1]]
    single = MODELS.build(dict(type='Recognizer2D', backbone=BACKBONE_2D,
                               cls_head=single_head,
                               data_preprocessor=PREPROCESSOR_2D))
    single.load_state_dict(state, strict=True)
    inputs, _ = batch(seed=3)
    with torch.no_grad():
        expected = model(inputs, [ActionDataSample() for _ in range(4)],
                         mode='predict', dataset='pair')
        got = single.eval()(inputs, [ActionDataSample() for _ in range(4)],
                            mode='predict')
    for e, g in zip(expected, got):
        torch.testing.assert_close(g.pred_score, e.pred_score)


def test_3d_recognizer_trains_and_exports_into_i3d():
    backbone = dict(type='ResNet3d', depth=18, pretrained=None,
                    pretrained2d=False, conv1_kernel=(1, 7, 7),
                    inflate=(0, 0, 0, 0))
    preprocessor = dict(type='ActionDataPreprocessor', format_shape='NCTHW')
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='MultiDatasetRecognizer3D', backbone=backbone,
        cls_head=head_cfg(num_segments=None),
        informative_loss=dict(type='InformativeLoss', in_channels=512,
                              hidden_channels=32),
        data_preprocessor=preprocessor))
    model.init_weights()
    assert isinstance(model, MultiDatasetRecognizer3D)
    inputs = torch.randn(4, 1, 3, 4, 32, 32)
    _, samples = batch()
    losses = model(inputs, samples, mode='loss')
    sum(losses.values()).backward()
    assert model.backbone.conv1.conv.weight.grad.abs().sum() > 0
    single = MODELS.build(dict(
        type='Recognizer3D', backbone=backbone,
        cls_head=dict(type='I3DHead', num_classes=3, in_channels=512,
                      average_clips='prob'),
        data_preprocessor=preprocessor))
    single.load_state_dict(model.single_dataset_state_dict('pair'),
                           strict=True)
    model.eval(), single.eval()
    with torch.no_grad():
        expected = model(inputs, [ActionDataSample() for _ in range(4)],
                         mode='predict', dataset='pair')
        got = single(inputs, [ActionDataSample() for _ in range(4)],
                     mode='predict')
    for e, g in zip(expected, got):
        torch.testing.assert_close(g.pred_score, e.pred_score)


def test_needs_a_multi_dataset_head():
    with pytest.raises(TypeError, match="cls_head=dict\\(type='MultiDataset"):
        MODELS.build(dict(
            type='MultiDatasetRecognizer2D', backbone=BACKBONE_2D,
            cls_head=dict(type='TSMHead', num_classes=3, in_channels=512,
                          num_segments=SEGMENTS)))


def test_is_registered_as_recognizer_2d():
    model = build_2d(informative=False)
    assert isinstance(model, MultiDatasetRecognizer2D)
    assert model.informative_loss is None
    assert copy.deepcopy(model.cls_head).names == ('mmit', 'pair')
