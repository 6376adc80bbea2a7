import pytest
import torch

from ganlib import nets
from ganlib.image_nets import patch_layers
from ganlib.layers import IMAGE_SIZES
from ganlib.nets import define_D, define_G


@pytest.mark.parametrize("size", IMAGE_SIZES)
@pytest.mark.parametrize("nc", [1, 3])
def test_dcgan_maps_noise_to_images_and_images_to_logits(size, nc):
    netG = define_G("dcgan", nz=20, ngf=8, nc=nc, image_size=size)
    netD = define_D("dcgan", ndf=8, nc=nc, image_size=size)
    fake = netG(torch.randn(5, 20, 1, 1))
    assert fake.shape == (5, nc, size, size)
    assert fake.min() >= -1 and fake.max() <= 1            # tanh range
    assert netD(fake).shape == (5,)                        # one logit per image


@pytest.mark.parametrize("size", IMAGE_SIZES)
def test_mlp_gan_at_every_size(size):
    netG = define_G("mlp", nz=16, nc=1, image_size=size, hidden=32)
    netD = define_D("mlp", nc=1, image_size=size)
    fake = netG(torch.randn(4, 16))
    assert fake.shape == (4, 1, size, size)
    assert fake.abs().max() <= 1
    assert netD(fake).shape == (4,)


def test_tutorial_init_and_report_sizes():
    netG = define_G("dcgan", nz=100, ngf=64, nc=3, image_size=64)
    conv = netG.main[0]
    assert abs(conv.weight.std().item() - 0.02) < 0.002     # N(0, 0.02)
    mlp = define_G("mlp", nz=100, nc=1, image_size=28)      # report 004: 4 x 4096
    assert [m.out_features for m in mlp.main if isinstance(m, torch.nn.Linear)] == [4096] * 4 + [784]


def test_unknown_names_and_sizes_are_clear_errors():
    with pytest.raises(ValueError, match="unknown generator 'stylegan'"):
        define_G("stylegan")
    with pytest.raises(ValueError, match="image_size must be one of"):
        define_D("dcgan", image_size=48)


def test_report_003_networks_make_and_read_32_px_images():
    import torch
    from ganlib.nets import define_D, define_G

    netG = define_G("small", nz=64, nc=3, image_size=32)
    netD = define_D("small", nc=3, image_size=32)
    fake = netG(torch.randn(4, 64))
    assert fake.shape == (4, 3, 32, 32) and fake.abs().max() <= 1
    assert netD(fake).shape == (4,)
    with pytest.raises(ValueError, match="32 x 32"):
        define_G("small", nz=64, image_size=64)


def test_the_projection_discriminator_adds_the_labels_embeddings_projected_on_the_features():
    """D(x, y) = psi(phi(x)) + sum over the present labels k of <e_k, phi(x)>, computed directly."""
    torch.manual_seed(0)
    netD = nets.define_D("projection", ndf=8, nc=3, image_size=32, num_classes=24)
    x = torch.randn(3, 3, 32, 32)
    y = torch.zeros(3, 24)
    y[0, [1, 5]] = 1                                  # two objects
    y[1, 7] = 1                                       # one
    netD.eval()                                       # no power-iteration step between the two readings
    with torch.no_grad():
        out = netD(x, y)
        phi = netD.features(x)                        # (3, 32): ndf*4 channels summed over positions
        E = netD.embed.weight                         # (32, 24): column k is e_k
        direct = torch.stack([netD.psi(phi[i]).squeeze() + sum(E[:, k] @ phi[i] for k in range(24) if y[i, k])
                              for i in range(3)])
    assert out.shape == (3,) and phi.shape == (3, 32)
    assert torch.allclose(out, direct, atol=1e-5)
    assert torch.allclose(out[2], netD.psi(phi[2]).squeeze())   # no label: psi alone
    assert nets.is_conditional(netD)


def test_spectral_norm_keeps_each_layer_of_the_projection_discriminator_1_lipschitz():
    netD = nets.define_D("projection", ndf=8, nc=3, image_size=32)
    for _ in range(20):                               # power iterations run in training mode
        netD(torch.randn(2, 3, 32, 32), torch.zeros(2, 24))
    netD.eval()
    for layer in [m for m in netD.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]:
        weight = layer.weight.flatten(1)
        assert float(torch.linalg.matrix_norm(weight.detach(), ord=2)) == pytest.approx(1.0, abs=0.05)


def test_the_auxiliary_discriminator_outputs_an_adversarial_score_and_one_logit_per_label():
    netD = nets.define_D("acgan", ndf=8, nc=3, image_size=32, norm="instance", num_classes=24)
    assert netD(torch.randn(5, 3, 32, 32)).shape == (5, 25)
    assert not nets.is_conditional(netD)              # the condition is what it predicts, not an input


@pytest.mark.parametrize("n_layers, patch, scores", [(3, 70, 2), (2, 34, 6), (1, 16, 14)])
def test_the_patch_discriminator_scores_patches_whose_size_its_layers_set(n_layers, patch, scores):
    D = define_D("patch", ndf=8, nc=3, image_size=32, n_layers=n_layers)
    assert D(torch.zeros(2, 3, 32, 32)).shape == (2, 1, scores, scores)
    # the patch one score sees (its receptive field), from the convolutions' kernels and strides
    field, step = 1, 1
    for conv in (m for m in D.modules() if isinstance(m, torch.nn.Conv2d)):
        field, step = field + (conv.kernel_size[0] - 1) * step, step * conv.stride[0]
    assert field == patch

def test_the_default_patch_discriminator_is_the_reports_70_px_one():
    widths = [m.out_channels for m in define_D("patch", ndf=64).modules() if isinstance(m, torch.nn.Conv2d)]
    assert widths == [64, 128, 256, 512, 1]


def test_by_default_the_patch_keeps_the_reports_share_of_the_image():
    # the report's 70 px patches on 256 px images; on 32 px images they would see the whole image
    assert [patch_layers(size) for size in (32, 64, 128, 256)] == [1, 1, 2, 3]
    D = define_D("patch", ndf=8, image_size=64, n_layers=None)
    assert D(torch.zeros(1, 3, 64, 64)).shape == (1, 1, 30, 30)
