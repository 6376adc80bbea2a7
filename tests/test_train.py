import re

import pytest
import torch

from ganlib.data import load_mnist10k
from ganlib.losses import VanillaLoss, WGANGPLoss
from ganlib.nets import define_D, define_G
from ganlib.settings import seed_everything
from ganlib.train import CheckpointMismatch, TrainingDiverged, d_scores, frozen, sample, train_gan

DIGITS = load_mnist10k(max_images=200)
ARGS = dict(nz=8, num_epochs=2, batch_size=32, log_every=3, snapshot_every=4, verbose=False, lr_step=4, lr_gamma=0.5)


def tiny_gan(arch="dcgan"):
    seed_everything(0, num_threads=2)
    return define_G(arch, nz=8, ngf=4, nc=1, image_size=28, hidden=16), define_D(arch, ndf=4, nc=1, image_size=28)


def assert_same_state(a, b):
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items()):
        assert torch.equal(x, y), k


@pytest.mark.parametrize("arch", ["dcgan", "mlp"])   # mlp: dropout draws from the global RNG
def test_stopped_and_resumed_run_ends_bitwise_equal(tmp_path, arch):
    whole = train_gan(*tiny_gan(arch), DIGITS, VanillaLoss(), **ARGS)

    ckpt = tmp_path / "run.pt"
    first = train_gan(*tiny_gan(arch), DIGITS, VanillaLoss(), checkpoint=ckpt, checkpoint_every=5,
                      stop_after=9, **ARGS)          # stopped in mid-epoch, between checkpoints
    assert not first.finished and len(first.history["iter"]) == 9
    resumed = train_gan(*tiny_gan(arch), DIGITS, VanillaLoss(), checkpoint=ckpt, resume=True, **ARGS)

    assert resumed.finished
    assert resumed.history == whole.history
    assert sorted(resumed.snapshots) == sorted(whole.snapshots)
    assert all(torch.equal(resumed.snapshots[k], whole.snapshots[k]) for k in whole.snapshots)
    assert_same_state(resumed.netG, whole.netG)
    assert_same_state(resumed.netD, whole.netD)


def test_adam_over_all_tensors_at_once_trains_the_weights_of_the_one_at_a_time_default(monkeypatch):
    import ganlib.train
    ours = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **ARGS)
    monkeypatch.setattr(ganlib.train, "adam", lambda params, lr, betas: torch.optim.Adam(
        params, lr=lr, betas=betas, foreach=False))
    default = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **ARGS)
    assert_same_state(ours.netG, default.netG)
    assert_same_state(ours.netD, default.netD)


def test_adam_updates_all_tensors_at_once_on_a_cpu_and_leaves_other_devices_to_torch():
    from ganlib.loop import adam
    on_cpu, elsewhere = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2, device="meta")
    assert adam(on_cpu.parameters(), 1e-3, (0.5, 0.999)).defaults["foreach"] is True
    assert adam(elsewhere.parameters(), 1e-3, (0.5, 0.999)).defaults["foreach"] is None


def test_checkpoint_is_written_atomically_and_refuses_another_configuration(tmp_path):
    ckpt = tmp_path / "run.pt"
    train_gan(*tiny_gan(), DIGITS, VanillaLoss(), checkpoint=ckpt, **ARGS)
    assert ckpt.exists() and not list(tmp_path.glob("*.tmp"))
    before = ckpt.read_bytes()
    with pytest.raises(CheckpointMismatch, match=r"another configuration \(batch_size: checkpoint 32 vs now 16"):
        train_gan(*tiny_gan(), DIGITS, VanillaLoss(), checkpoint=ckpt, resume=True, **{**ARGS, "batch_size": 16})
    assert ckpt.read_bytes() == before            # nothing already written is lost


def test_nan_loss_stops_with_a_clear_message():
    with pytest.raises(TrainingDiverged, match=r"loss is not finite at epoch 0, iteration \d+.*Lower the learning rate"):
        train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **{**ARGS, "verbose": False}, lr=1e30)


def test_log_lines_in_the_report_format(capsys):
    run = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **{**ARGS, "verbose": True})
    header, *lines = capsys.readouterr().out.splitlines()
    assert header == "[gan] 14 iterations to go (2 epochs of 7)"
    fmt = (r"\[\d+/2\]\[\d+/7\]\tLoss_D: \d+\.\d{4}\tLoss_G: \d+\.\d{4}\tD\(x\): \d\.\d{4}\tD\(G\(z\)\): \d\.\d{4} / \d\.\d{4}"
           r"(\t~\d+ s left)?")                                  # the time left, but on the last line
    assert lines[0].startswith("[0/2][0/7]") and all(re.fullmatch(fmt, line) for line in lines)
    assert lines[0].endswith(" left") and not lines[-1].endswith(" left")
    assert len(run.history["Loss_D"]) == 14                     # every iteration kept
    assert sorted(run.snapshots) == [0, 4, 8, 12, 14]           # every 4 iterations, and the end
    assert run.snapshots[14].dtype == torch.uint8 and run.snapshots[14].shape == (64, 1, 28, 28)
    assert run.images_per_s > 0


def test_sample_and_d_scores():
    netG, netD = tiny_gan()
    fakes = sample(netG, 10, nz=8, seed=1)
    assert fakes.shape == (10, 1, 28, 28) and fakes.dtype == torch.uint8
    assert torch.equal(fakes, sample(netG, 10, nz=8, seed=1))
    scores = d_scores(netD, VanillaLoss(), fakes, batch_size=4)
    assert scores.shape == (10,) and ((scores >= 0) & (scores <= 1)).all()


def test_conditional_runs_with_several_d_or_g_steps_resume_bitwise(tmp_path):
    from ganlib.conditional import define_cgan
    from ganlib.iclevr import load_scenes

    scenes = load_scenes(image_size=32, max_images=48)
    fixed = scenes.labels[:8]
    for config, steps in (("type1_wgan-gp", dict(d_steps=2)), ("type2_vanilla", dict(g_steps=2)),
                          ("type1_projection", {}), ("type1_acgan", dict(d_steps=2))):
        def run(**kw):
            seed_everything(0, num_threads=2)
            netG, netD, loss = define_cgan(config, nz=8, ngf=4, ndf=4, image_size=32)
            return train_gan(netG, netD, scenes, loss, **args, **kw)
        args = dict(nz=8, num_epochs=2, batch_size=16, snapshot_every=2, verbose=False, fixed_condition=fixed,
                    name=config, **steps)
        whole = run()
        assert whole.snapshots[6].shape == (8, 3, 32, 32)
        ckpt = tmp_path / f"{config}.pt"
        run(checkpoint=ckpt, checkpoint_every=2, stop_after=3)
        resumed = run(checkpoint=ckpt, resume=True)
        assert resumed.history == whole.history
        assert_same_state(resumed.netG, whole.netG)


def test_conditional_generator_needs_labels_and_fixed_conditions():
    from ganlib.conditional import define_cgan

    netG, netD, loss = define_cgan("type1_vanilla", nz=8, ngf=4, ndf=4, image_size=32)
    with pytest.raises(ValueError, match="has no condition vectors"):
        train_gan(netG, netD, DIGITS, loss, nz=8, verbose=False)


def test_frozen_d_gives_g_the_same_gradient_and_skips_d_weight_gradients():
    netG, netD = tiny_gan()
    z = torch.randn(16, 8, 1, 1)
    VanillaLoss().generator(netD(netG(z))).backward()
    recipe = [p.grad.clone() for p in netG.parameters()]

    netG.zero_grad(set_to_none=True)
    netD.zero_grad(set_to_none=True)
    with frozen(netD):
        VanillaLoss().generator(netD(netG(z))).backward()
    assert all(torch.equal(p.grad, g) for p, g in zip(netG.parameters(), recipe))
    assert all(p.grad is None for p in netD.parameters())
    assert all(p.requires_grad for p in netD.parameters())     # restored on the way out


def test_channels_last_changes_the_layout_not_the_result():
    short = dict(ARGS, num_epochs=1)
    nchw = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), channels_last=False, **short)
    nhwc = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), channels_last=True, **short)
    assert nhwc.netD.main[0].weight.is_contiguous(memory_format=torch.channels_last)
    for (k, x), (_, y) in zip(nchw.netG.state_dict().items(), nhwc.netG.state_dict().items()):
        assert torch.allclose(x, y, atol=1e-4), k


def test_compiled_training_matches_eager_also_with_the_gradient_penalty():
    short = dict(ARGS, num_epochs=1, snapshot_every=0)
    make = lambda: (tiny_gan()[0], define_D("dcgan", ndf=4, nc=1, image_size=28, norm="instance"))
    eager = train_gan(*make(), DIGITS, WGANGPLoss(), d_steps=2, **short)
    compiled = train_gan(*make(), DIGITS, WGANGPLoss(), d_steps=2, compile=True, **short)
    for (k, x), (_, y) in zip(eager.netG.state_dict().items(), compiled.netG.state_dict().items()):
        assert torch.allclose(x, y, atol=1e-4), k


@pytest.mark.filterwarnings("ignore:bf16=True on cpu")   # emulated where not native: slow, still exact
def test_bf16_training_is_repeatable_resumes_bitwise_and_refuses_a_float32_checkpoint(tmp_path):
    bf16 = dict(ARGS, bf16=True)
    whole = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **bf16)
    again = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **bf16)
    assert again.history == whole.history
    assert_same_state(again.netG, whole.netG)

    ckpt = tmp_path / "run.pt"
    train_gan(*tiny_gan(), DIGITS, VanillaLoss(), checkpoint=ckpt, checkpoint_every=5, stop_after=9, **bf16)
    resumed = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), checkpoint=ckpt, resume=True, **bf16)
    assert resumed.history == whole.history
    assert_same_state(resumed.netG, whole.netG)
    assert_same_state(resumed.netD, whole.netD)

    with pytest.raises(CheckpointMismatch, match="bf16"):
        train_gan(*tiny_gan(), DIGITS, VanillaLoss(), checkpoint=ckpt, resume=True, **ARGS)


@pytest.mark.filterwarnings("ignore:bf16=True on cpu")   # emulated where not native: slow, still exact
def test_bf16_follows_float32_closely_and_keeps_float32_weights():
    short = dict(ARGS, num_epochs=1, snapshot_every=0)
    make = lambda: (tiny_gan()[0], define_D("dcgan", ndf=4, nc=1, image_size=28, norm="instance"))
    fp32 = train_gan(*make(), DIGITS, WGANGPLoss(), d_steps=2, **short)
    bf16 = train_gan(*make(), DIGITS, WGANGPLoss(), d_steps=2, bf16=True, **short)
    assert all(p.dtype == torch.float32 for p in bf16.netG.parameters())
    assert bf16.history["Loss_D"] != fp32.history["Loss_D"]       # it did run in bfloat16 ...
    for (k, x), (_, y) in zip(fp32.netG.state_dict().items(), bf16.netG.state_dict().items()):
        assert torch.allclose(x, y, atol=2e-2), k                  # ... and stayed near float32


def test_fresh_noise_gives_g_its_own_fakes_and_leaves_the_default_as_it_was():
    def weights(**changes):
        run = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **{**ARGS, "num_epochs": 1, **changes})
        return torch.cat([p.flatten() for p in run.netG.parameters()])

    assert torch.equal(weights(), weights(fresh_noise=False))
    assert not torch.equal(weights(), weights(fresh_noise=True))


def test_an_average_of_g_is_what_the_snapshots_draw_and_resumes_bitwise(tmp_path):
    plain = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), **ARGS)
    averaged = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), ema=0.9, **ARGS)
    assert plain.sampler is plain.netG and averaged.sampler is averaged.netG_average
    assert averaged.history == plain.history                     # the average does not change training ...
    assert all(torch.equal(a, b) for a, b in zip(averaged.netG.parameters(), plain.netG.parameters()))
    assert torch.equal(averaged.snapshots[0], plain.snapshots[0])
    last = max(plain.snapshots)
    assert not torch.equal(averaged.snapshots[last], plain.snapshots[last])   # ... only what is drawn
    # the average lies between G's weights along the way: after the last step it is not G itself,
    # and it is closer to the final G than the initial G was
    start = torch.cat([p.flatten() for p in tiny_gan()[0].parameters()])
    final = torch.cat([p.flatten() for p in averaged.netG.parameters()])
    mean = torch.cat([p.flatten() for p in averaged.netG_average.parameters()])
    assert 0 < (mean - final).norm() < (start - final).norm()

    ckpt = tmp_path / "run.pt"
    train_gan(*tiny_gan(), DIGITS, VanillaLoss(), ema=0.9, checkpoint=ckpt, checkpoint_every=5, stop_after=9, **ARGS)
    resumed = train_gan(*tiny_gan(), DIGITS, VanillaLoss(), ema=0.9, checkpoint=ckpt, resume=True, **ARGS)
    assert_same_state(resumed.netG_average, averaged.netG_average)
    assert all(torch.equal(resumed.snapshots[k], averaged.snapshots[k]) for k in averaged.snapshots)
    with pytest.raises(CheckpointMismatch, match="ema"):
        train_gan(*tiny_gan(), DIGITS, VanillaLoss(), checkpoint=ckpt, resume=True, **ARGS)
    with pytest.raises(ValueError, match="ema must be in"):
        train_gan(*tiny_gan(), DIGITS, VanillaLoss(), ema=1.0, **ARGS)
