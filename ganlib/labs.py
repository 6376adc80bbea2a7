"""The five labs, each declared once: its notebook, its parameters (type, range, help and default),
the figures and metrics its reports show, and what its original report gave.

The defaults are the ``cpu`` profile; each notebook's ``parameters`` cell is generated from them
(``python -m ganlib labs --write-cells``, checked by the tests), and ``params/<lab>/*.yaml`` hold
only what a profile changes. The runner checks every value (``resolve_params``) before any kernel
starts. How a parameter is declared and checked: ``ganlib.params``.
"""
from __future__ import annotations

from .params import GIVEN, Lab, Param, ParameterError, defaults, load_profile, parse_value, validate
from .published import REPORT_002_TABLE2, report_002

BETA1 = Param(float, "Adam beta1", min=0, max=1, default=0.5)


def _data(datasets: tuple, default: str, max_images: int | None = None) -> dict:
    """The training data: a dataset by name, where downloads live, how many images."""
    return {
        "dataset": Param(str, "training data by name", choices=datasets, default=default),
        "data_root": Param(str, "folder of downloaded datasets (null: $GANLIB_DATA_ROOT or data/)", optional=True,
                           path="path"),
        "max_images": Param(int, "use at most this many training images (null: all)", optional=True, min=2,
                            default=max_images),
    }


def _training(num_epochs: int, batch_size: int, lr: float) -> dict:
    return {
        "num_epochs": Param(int, "passes over the training images", min=1, default=num_epochs),
        "batch_size": Param(int, "images per batch", min=2, default=batch_size),
        "lr": Param(float, "Adam learning rate", min=0, default=lr),
        "beta1": BETA1,
    }


def _run(seed: int = 999, log_every: int = 100, snapshot_every: int | None = 200, checkpoint_every: int = 500) -> dict:
    """Seeding, hardware, logging and checkpoints: every lab has them."""
    params = {
        "seed": Param(int, "random seed", min=0, default=seed),
        "num_threads": Param(int, "CPU threads (auto: the physical cores; part of the seed)", min=1, words=("auto",), default="auto"),
        "device": Param(str, "where to train (auto: CUDA, then Apple's MPS, then the CPU)",
                        choices=("auto", "cpu", "cuda", "mps"), default="auto"),
        "log_every": Param(int, "print a log line every N iterations", min=1, default=log_every),
        "snapshot_every": Param(int, "fixed-noise samples every N iterations", min=1, default=snapshot_every),
        "checkpoint_every": Param(int, "checkpoint every N iterations (0: only at the end)", min=0,
                                  default=checkpoint_every),
        "resume": Param(bool, "continue from the checkpoints of an interrupted run", default=False),
    }
    if snapshot_every is None:
        del params["snapshot_every"]
    return params


def _nets(nz: int | None, ngf: int, ndf: int, report: str = "") -> dict:
    params = {
        "nz": Param(int, f"latent size{report.format(100)}", min=1, default=nz),
        "ngf": Param(int, f"generator feature maps{report.format(64)}", min=1, default=ngf),
        "ndf": Param(int, f"discriminator feature maps{report.format(64)}", min=1, default=ndf),
    }
    if nz is None:
        del params["nz"]
    return params


# Study 2's models of the mnist lab: name -> (net architecture, loss)
MNIST_MODELS = {"mlp": ("mlp", "vanilla"), "dcgan": ("dcgan", "vanilla"), "dcgan_ls": ("dcgan", "lsgan")}

MNIST = Lab(
    id="mnist",
    title="DCGAN on MNIST: latent size; MLP GAN vs DCGAN vs least-squares DCGAN",
    reports="001 (all) and 004 part 1",
    params={
        **_data(("mnist10k", "mnist"), "mnist10k"),
        "image_size": Param(int, "image side in pixels", choices=(28, 32, 64), default=28),
        "study1_image_size": Param(int, "image side of study 1's DCGANs (null: image_size; report 001 trained the "
                                        "tutorial's DCGAN at 64 px, report 004 its models at 28 px)",
                                   optional=True, choices=(28, 32, 64)),
        **_training(num_epochs=16, batch_size=64, lr=0.002),
        **_nets(100, 64, 32, " ({} in the reports)"),
        "latent_sizes": Param(list, "latent sizes compared in study 1 (null: nz alone)", item=Param(int, min=1),
                              optional=True, default=[100, 200]),
        "mlp_hidden": Param(int, "width of the MLP generator's 4 hidden layers (4096 in report 004)", min=1,
                            default=512),
        "mlp_lr": Param(float, "the MLP GAN's Adam learning rate (report 004 gives none; lr is the DCGANs' "
                               "rate, at which the MLP GAN collapses)", min=0, default=0.0005),
        "mlp_dropout": Param(float, "dropout before each LeakyReLU of the MLP discriminator (report 004 does not give "
                                    "its rate; 0.3 is the TensorFlow DCGAN tutorial's)", min=0, max=0.9, default=0.3),
        "models": Param(list, "study-2 models", item=Param(str, choices=tuple(MNIST_MODELS)),
                        default=["mlp", "dcgan", "dcgan_ls"]),
        "n_eval": Param(int, "generated digits scored by the judge", min=100, max=10000, default=1000),
        "bf16": Param(bool, "bfloat16 autocast (auto: where the hardware has it natively, such as CPUs with "
                            "avx512_bf16 or AMX and recent CUDA GPUs; 1.3-1.6x img/s there, not bitwise the "
                            "float32 run; true elsewhere is emulated and slow)", choices=(True, False, "auto"),
                      default="auto"),
        **_run(log_every=50),
    },
    key_figures=["study1_d_outputs", "study2_samples", "study1_samples", "study2_d_histograms"],
    sweep_metrics=["runs.*.frechet_distance", "runs.*.D_distance_from_half", "runs.*.judge_confidence",
                   "runs.*.hist_overlap"],
    report_data={"dataset": ("mnist", "the full MNIST")},
    report_numbers={
        "001, nz=100, last logged iteration [24/25][466/469]": "Loss_D 0.3576, Loss_G 2.6457, D(x) 0.8461, D(G(z)) 0.1500 / 0.1014",
        "001, nz=200, last logged iteration [24/25][468/469]": "Loss_D 0.8812, Loss_G 2.1087, D(x) 0.7713, D(G(z)) 0.4149 / 0.1552",
        "001, reading": "with nz=200, D(x) and D(G(z)) move toward 0.5 more than with nz=100 (judged by eye, no metric)",
        "004 part 1, reading": "MLP GAN: blurry digits, D's real/fake histograms overlap near 0.5; DCGAN: sharp digits, "
                               "histograms well separated; LSGAN DCGAN: as sharp, histograms overlap a bit more",
    },
)

# Report 002's Table 2: top-k accuracy by the course's evaluator (None: not run; a string: a bound)
# Better-conditioned variants of report 002's DCGAN (``ganlib.conditional``): not in the report.
CGAN_VARIANTS = ("type1_projection", "type1_acgan", "type1_vanilla_acgan")

CGAN = Lab(
    id="cgan",
    title="Conditional DCGAN on i-CLEVR scenes: Type 1 vs Type 2, vanilla vs WGAN-GP",
    reports="002",
    params={
        **_data(("scenes", "iclevr"), "scenes"),
        "evaluator_checkpoint": Param(str, "the course's ResNet18 evaluator .pth (null: the project's scene judge)",
                                      optional=True, path="file"),
        "image_size": Param(int, "image side in pixels (32 is upsampled to 64 for the evaluator)", choices=(32, 64),
                            default=32),
        "configs": Param(list, "configurations to train: the report's, and the variants whose D checks the "
                               "condition (projection; auxiliary classifier with the WGAN-GP or the vanilla loss)",
                         item=Param(str, choices=(*REPORT_002_TABLE2, *CGAN_VARIANTS)),
                         default=["type1_vanilla", "type1_wgan-gp", "type2_vanilla", "type1_acgan",
                                  "type1_vanilla_acgan"]),
        **_training(num_epochs=4, batch_size=64, lr=0.0002),
        **_nets(100, 16, 16),
        "g_steps": Param(int, "vanilla: G updates per D update (4 in the report)", min=1, default=4),
        "fresh_noise": Param(bool, "vanilla: every G update draws fresh noise (the report's code); false: the "
                                   "first reuses D's fakes (the PyTorch DCGAN tutorial)", default=False),
        "wgan_lr": Param(float, "WGAN-GP: Adam learning rate", min=0, default=0.0001),
        "wgan_beta1": Param(float, "WGAN-GP: Adam beta1", min=0, max=1, default=0.5),
        "wgan_beta2": Param(float, "WGAN-GP: Adam beta2", min=0, max=1, default=0.9),
        "n_critic": Param(int, "WGAN-GP: critic updates per G update", min=1, default=5),
        "lambda_gp": Param(float, "WGAN-GP: gradient penalty weight", min=0, default=10.0),
        "aux_weight": Param(float, "type1_acgan, type1_vanilla_acgan: weight of the auxiliary classifier's loss", min=0, default=50.0),
        "variant_lr_scale": Param(float, "the variants train at this multiple of their loss's learning rate (lr or "
                                         "wgan_lr; 1: the report's rates)", min=0, default=4.0),
        "variant_ema": Param(float, "the variants are sampled from a moving average of G's weights with this decay "
                                    "per iteration (0: from the trained G, as the report's configurations are)",
                             min=0, max=0.9999, default=0.99),
        "eval_seeds": Param(int, "noise seeds per accuracy (mean and spread)", min=1, max=100, default=5),
        **_run(),
    },
    key_figures=["grid_type1_wgan-gp", "accuracy_curves", "grid_type1_acgan", "grid_type1_vanilla_acgan",
                 "early_training", "grid_type1_vanilla", "grid_type2_vanilla"],
    sweep_metrics=["configs.*.accuracy_test.mean", "configs.*.accuracy_new_test.mean", "configs.*.early_diversity"],
    report_data={"dataset": ("iclevr", "the course's i-CLEVR images"),
                 "evaluator_checkpoint": (GIVEN, "the course's ResNet18 evaluator")},
    report_numbers={
        "002, Table 2, Type 2 vanilla": f"test.json {report_002('type2_vanilla', 'test')}",
        **{f"002, Table 2, Type 1 {c[6:].replace('wgan-gp', 'WGAN-GP')}":
           f"test.json {report_002(c, 'test')}, new_test.json {report_002(c, 'new_test')}"
           for c in ("type1_vanilla", "type1_wgan-gp")},
        "002, reading": "vanilla collapses early, WGAN-GP stays diverse; WGAN-GP's accuracy depends on the noise; "
                        "Type 2 draws realistic scenes with the wrong (often a single) object",
    },
)

DCGAN = Lab(
    id="dcgan",
    title="DCGAN on a uniform and a varied dataset (report 000: cars vs cats)",
    reports="000",
    params={
        "datasets": Param(list, "two (or more) datasets side by side: scenes_one, scenes_many, a registered "
                                "dataset (cars, cats, celeba, carrot_cake) or an image folder path", item=Param(str, path="name or path"),
                          default=["scenes_one", "scenes_many"]),
        **{k: v for k, v in _data((), "", max_images=6000).items() if k != "dataset"},
        "image_size": Param(int, "image side in pixels (64 in the report)", choices=(32, 64), default=32),
        "scene_zoom": Param(float, "size of the objects in the rendered scene sets (1: the i-CLEVR camera, a cube "
                                   "about 3 px wide at 32 px; the report's cars fill the frame)", min=1, max=7,
                            default=2.5),
        **_training(num_epochs=64, batch_size=32, lr=0.001),
        "lr_step": Param(int, "StepLR: decay both learning rates every N iterations (500 in the report, whose "
                              "epochs were 64 iterations long)", min=1, default=3000),
        "lr_gamma": Param(float, "StepLR factor (0.6 in the report)", min=0, max=1, default=0.6),
        **_nets(100, 32, 32, " ({} in the report)"),
        "n_eval": Param(int, "generated and held-out scenes for the FD", min=100, max=10000, default=1000),
        **_run(),
    },
    key_figures=["final_samples", "d_accuracy", "datasets", "losses"],
    sweep_metrics=["datasets.*.frechet_distance", "datasets.*.frechet_floor", "datasets.*.d_accuracy_final"],
    report_data={"datasets": (["cars", "cats"], "the report's car and cat photos")},
    report_numbers={
        "000, reading": "cats (varied) gave silhouettes without detail, cars (uniform stock photos) worked; D can "
                        "reach > 99% accuracy and break training; no metric given",
        "000, setting": "tutorial DCGAN 64x64, Adam 0.001 betas (0.5, 0.999), StepLR(500, 0.6), 40 epochs",
    },
)

INVERSION = Lab(
    id="inversion",
    title="A small 32 px GAN, then latent inversion: in-domain vs out-of-domain images",
    reports="003",
    params={
        **_data(("scenes_close", "scenes_one", "scenes_many", "carrot_cake"), "scenes_close", max_images=2000),
        "arch": Param(str, "small: report 003's networks (they need its 2,000 epochs); dcgan: the tutorial DCGAN at "
                           "32 px (ngf = ndf = 64), which learns the close-ups in a few CPU minutes",
                      choices=("small", "dcgan"), default="dcgan"),
        "milestones": Param(list, "epochs at which fixed-vector samples are shown; training runs to the last "
                                  "(report: 100, 500, 1000, 2000)", item=Param(int, min=1), default=[1, 2, 4, 8]),
        "batch_size": Param(int, "images per batch", min=2, default=16),
        "lr_g": Param(float, "G's Adam learning rate (1.5e-5 in the report)", min=0, default=0.0002),
        "lr_d": Param(float, "D's Adam learning rate (1e-5 in the report)", min=0, default=0.0001),
        "beta1": BETA1,
        "nz": Param(int, "latent size (64 in the report)", min=1, default=64),
        "inversion_steps": Param(int, "optimisation steps per inversion (100 in the report)", min=1, default=100),
        "inversion_lr": Param(float, "SGD learning rate (0.01 in the report: overshoots on the DCGAN)", min=0,
                              default=0.001),
        "inversion_optimizer": Param(str, "sgd (with momentum 0.9, the report's) or adam", choices=("sgd", "adam"),
                                     default="sgd"),
        "restarts": Param(int, "random starts per inversion (the best is kept)", min=1, default=4),
        "n_scores": Param(int, "in-domain and out-of-domain images scored (PSNR, SSIM, error inside the object)", min=2, default=16),
        "out_of_domain": Param(str, "the out-of-domain set: mnist10k (digits) or a registered dataset",
                               choices=("mnist10k", "celeba", "cats", "cars"), default="mnist10k"),
        "cat_image": Param(str, "the out-of-domain photo (null: scikit-image's cat, chelsea)", optional=True,
                           path="file"),
        "sweep_coordinate": Param(int, "latent coordinate swept in the figures", min=0, default=0),
        **_run(checkpoint_every=1000),
        "snapshot_every": Param(int, "fixed-vector samples every N iterations, beside those at the milestones "
                                     "(null: every gcd(milestones) epochs)", optional=True, min=1),
    },
    key_figures=["milestones", "inversion_fit", "inversion_cat", "interpolation", "untrained"],
    sweep_metrics=["inversion.*.psnr", "inversion.*.ssim", "inversion.*.object_mse"],
    report_data={"dataset": ("carrot_cake", "Food-101's carrot-cake photos")},
    report_numbers={
        "003, setting": "G Linear(64, 1024) + 3 transposed convs + 5x5 conv; D 3 convs + BN, dropout; Adam D 1e-5, "
                        "G 1.5e-5, batch 16, 2,000 epochs (8 hours); inversion SGD lr 0.01 momentum 0.9, 100 steps",
        "003, reading": "the fitted z reproduces in-domain images well and an unrelated cat photo poorly (by eye; "
                        "no number given)",
    },
)

CYCLEGAN = Lab(
    id="cyclegan",
    title="CycleGAN, plain <-> striped scenes and horse <-> zebra: ResNet vs U-Net, with vs without augmentation",
    reports="004 part 2",
    params={
        **_data((), "scenes"),
        "dataset": Param(str, "scenes (rendered plain vs striped objects, paired test split), horse2zebra, or the "
                              "path of a folder holding trainA/, trainB/, testA/, testB/", default="scenes",
                        path="name or path"),
        "max_images": Param(int, "training images per domain (scenes: how many to render; null: all / 2,000)",
                            optional=True, min=2, default=1500),
        "num_test": Param(int, "scenes: rendered test pairs", min=2, default=200),
        "stripe_period": Param(float, "scenes: distance between a striped object's dark bands, in object radii "
                                      "(1.24: two wavy bands on an object; 0.62: three or four narrow ones)",
                               min=0.2, max=4.0, default=1.24),
        "image_size": Param(int, "image side in pixels (null: 32 for scenes, 64 for photos; the report: 256, "
                                 "128 with augmentation)", optional=True, choices=(32, 64, 128, 256)),
        "configs": Param(list, "generators to train and compare (the report: resnet, unet, resnet_aug)",
                         item=Param(str, choices=("resnet", "resnet_aug", "unet", "unet_aug")),
                         default=["resnet", "unet", "resnet_aug"]),
        "num_epochs": Param(int, "passes over the training images (null: 8 for scenes, 2 for photos; the report: "
                                 "30, U-Net 10)", optional=True, min=1),
        "unet_epochs": Param(int, "the U-Net configurations' epochs (null: num_epochs; the report: 10, against the "
                                  "ResNet's 30)", optional=True, min=1),
        "aug_image_size": Param(int, "the augmented configurations' image side (null: image_size; the report: 128, "
                                     "against 256); their translations are scored at image_size",
                                optional=True, choices=(32, 64, 128, 256)),
        "batch_size": Param(int, "images of each domain per batch (1 in the CycleGAN code: InstanceNorm needs no batch)",
                            min=1, default=4),
        "lr_g": Param(float, "generators' Adam learning rate (1e-4 in the report, 2e-4 in the CycleGAN code)", min=0,
                      default=0.0002),
        "lr_d": Param(float, "discriminators' Adam learning rate (2e-4 in the report)", min=0, default=0.0002),
        "beta1": BETA1,
        "decay_epochs": Param(int, "last epochs over which both learning rates fall linearly to 0 (0: none; "
                                   "null: half of num_epochs)", optional=True, min=0),
        **_nets(None, 16, 32, " ({} in the report)"),
        "n_blocks": Param(int, "residual blocks of the ResNet generator (9 in the report)", min=0, default=6),
        "n_down": Param(int, "stride-2 convs of the ResNet generator before its blocks (2 in the report; null: 1 "
                             "below 64 px, where 2 leave cells of 4 px, wider than a stripe, 2 from 64 px)",
                        optional=True, min=1, max=3),
        "d_layers": Param(int, "stride-2 layers of the patch discriminator: 3 (the report's) judge 70 px patches, "
                               "2: 34 px, 1: 16 px (null: the report's share of the image, 70 of 256 px: 1 at 32 "
                               "and 64 px, where 3 would judge the whole image)", optional=True, min=1, max=3),
        "padding": Param(str, "ResNet generator's padding: zeros (the report's) or reflect (the CycleGAN code's)",
                         choices=("zeros", "reflect"), default="zeros"),
        "lambda_cycle": Param(float, "weight of the L1 cycle loss (10 in the report)", min=0, default=10.0),
        "lambda_identity": Param(float, "weight of the L1 identity loss (5 in the report)", min=0, default=5.0),
        "d_weight": Param(float, "weight of the discriminators' loss (5 in the report)", min=0, default=5.0),
        "pool_size": Param(int, "past fakes kept for the discriminators (50 in the CycleGAN code; 0: none)", min=0,
                           default=50),
        "augment_fill": Param(str, "_aug configs: what fills the corners a rotation or shift uncovers: black (the "
                                   "report's) or reflect (the image mirrored; black corners teach D that dark areas "
                                   "mark real images, and G paints dark holes)", choices=("black", "reflect"),
                              default="reflect"),
        "judge_epochs": Param(int, "training epochs of the A-vs-B judge", min=1, default=3),
        **_run(seed=0, log_every=250, snapshot_every=None),
    },
    key_figures=["translations_A2B", "panel_resnet", "translations_B2A", "panel_unet", "loss_terms", "g_vs_d"],
    sweep_metrics=["configs.*.*.domain_rate", "configs.*.*.ssim", "configs.*.*.frechet_distance"],
    report_data={"dataset": ("horse2zebra", "the horse2zebra photos")},
    report_numbers={
        "004, setting": "ResNet G (9 blocks) and PatchGAN D, InstanceNorm; MSE adversarial, L1 cycle x10, identity x5; "
                        "Adam D 2e-4, G 1e-4; 30 epochs at 256 px (128 px with augmentation); U-Net 10 epochs",
        "004, reading": "horse -> zebra gains stripes; zebra -> horse turns brown, stripes fade; augmentation gives "
                        "clearer stripes but distorts the background; the U-Net barely changes its input; "
                        "judged by eye, no metric given",
    },
)

LABS = {lab.id: lab for lab in (DCGAN, MNIST, CGAN, INVERSION, CYCLEGAN)}


def get_lab(lab_id: str) -> Lab:
    if lab_id not in LABS:
        raise ParameterError(f"unknown lab {lab_id!r}; choose from {', '.join(LABS)}")
    return LABS[lab_id]


def parse_overrides(lab: Lab, pairs) -> dict:
    """``-p NAME VALUE`` pairs, each value read as its parameter declares it (``parse_value``)."""
    return {name: parse_value(text, lab.params.get(name)) for name, text in pairs}


def resolve_params(lab_id: str, profile: str, overrides: dict | None = None) -> dict:
    """The defaults, then the profile's values, then overrides; every name and value checked."""
    lab = get_lab(lab_id)
    params = {**defaults(lab), **validate(lab, load_profile(lab, profile))}
    params.update(validate(lab, overrides or {}))
    return params
