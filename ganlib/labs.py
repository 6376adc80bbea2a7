"""The labs: their notebooks, their parameters and the numbers of the original reports,
which ``reports/index.html`` shows beside this project's.

Each parameter is declared here once: its type, range, help and default. The defaults are
the ``cpu`` profile; each notebook's ``parameters`` cell is generated from them
(``python -m ganlib labs --write-cells``, checked by the tests), and ``params/<lab>/*.yaml``
hold only what a profile changes. The runner checks every value before any kernel starts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .settings import PROJECT_ROOT

NOTEBOOKS = PROJECT_ROOT / "notebooks"
PROFILES = ("smoke", "cpu", "full")


class ParameterError(ValueError):
    """A bad lab, profile or parameter: the message is one line naming it and the valid choices."""


@dataclass
class Param:
    type: type                       # int, float, str, bool or list
    help: str = ""
    optional: bool = False           # None allowed
    choices: tuple | None = None
    min: float | None = None
    max: float | None = None
    item: "Param | None" = None      # for lists: what each item must be
    default: object = None           # the cpu profile's value
    path: str | None = None          # "path", "file" (must exist) or "name or path": relative paths are read from
                                     # the current folder
    words: tuple = ()                # strings allowed beside the type's values, such as num_threads' "auto"

    def describe(self) -> str:
        what = {int: "an integer", float: "a number", str: "a string", bool: "true or false",
                list: "a list"}[self.type]
        if self.choices:
            what = "one of " + ", ".join(str(c).lower() if isinstance(c, bool) else str(c) for c in self.choices)
        if self.min is not None and self.max is not None:
            what += f" in [{self.min}, {self.max}]"
        elif self.min is not None:
            what += f" >= {self.min}"
        if self.item is not None:
            what += f" of {self.item.describe()}"
        what += "".join(f" or {w}" for w in self.words)
        return what + (" or null" if self.optional else "")

    def check(self, name: str, value):
        """Return the value (ints widened to float where a float is expected) or raise."""
        bad = ParameterError(f"parameter {name} must be {self.describe()}, got {value!r}")
        if value is None:
            if self.optional:
                return None
            raise bad
        if isinstance(value, str) and value in self.words:
            return value
        if self.type is float and isinstance(value, (int, str)) and not isinstance(value, bool):
            try:   # YAML 1.1 reads "1e-4" as a string
                value = float(value)
            except ValueError:
                raise bad from None
        if self.type is float and isinstance(value, float) and not math.isfinite(value):
            raise bad
        if self.type is int and isinstance(value, bool):
            raise bad
        if self.choices is not None and any(value == c and type(value) is type(c) for c in self.choices):
            return value   # a choice of another type, such as bf16's "auto" beside true and false
        if not isinstance(value, self.type):
            raise bad
        if self.choices is not None and value not in self.choices:
            raise bad
        if self.min is not None and value < self.min or self.max is not None and value > self.max:
            raise bad
        if self.item is not None:
            if not value:
                raise bad
            value = [self.item.check(f"{name}[{k}]", v) for k, v in enumerate(value)]
        return value


@dataclass
class Lab:
    id: str
    title: str
    reports: str
    params: dict
    key_figures: list = field(default_factory=list)
    # What the original report gave, for the index page: label -> text
    report_numbers: dict = field(default_factory=dict)
    # Metrics a sweep's report tabulates and plots (patterns over dotted names; a swept value in a
    # name is replaced by the parameter's name: runs.dcgan_nz50 -> runs.dcgan_nz). None: every one.
    sweep_metrics: list | None = None
    # The report's own data and evaluator: parameter -> (its value, or GIVEN for any file; what it is).
    # A run with another value says up front that it uses a stand-in.
    report_data: dict = field(default_factory=dict)

    def stand_ins(self, params: dict) -> list[str]:
        """"dataset = 'scenes' in place of the course's i-CLEVR images" for each report setting a run replaces."""
        return [f"{name} = {params.get(name)!r} in place of {what}" for name, (value, what) in self.report_data.items()
                if (params.get(name) is None if value is GIVEN else params.get(name) != value)]

    @property
    def notebook(self) -> Path:
        return NOTEBOOKS / f"{self.id}.ipynb"

    def profile_path(self, profile: str) -> Path:
        return NOTEBOOKS / "params" / self.id / f"{profile}.yaml"


BETA1 = Param(float, "Adam beta1", min=0, max=1, default=0.5)
GIVEN = "given"     # Lab.report_data: any value but null


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


MNIST = Lab(
    id="mnist",
    title="DCGAN on MNIST: latent size; MLP GAN vs DCGAN vs least-squares DCGAN",
    reports="001 (all) and 004 part 1",
    params={
        **_data(("mnist10k", "mnist"), "mnist10k"),
        "image_size": Param(int, "image side in pixels", choices=(28, 32, 64), default=28),
        **_training(num_epochs=16, batch_size=64, lr=0.002),
        **_nets(100, 64, 32, " ({} in the reports)"),
        "latent_sizes": Param(list, "latent sizes compared in study 1 (null: nz alone)", item=Param(int, min=1),
                              optional=True, default=[100, 200]),
        "mlp_hidden": Param(int, "width of the MLP generator's 4 hidden layers (4096 in report 004)", min=1,
                            default=512),
        "models": Param(list, "study-2 models", item=Param(str, choices=("mlp", "dcgan", "dcgan_ls")),
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
REPORT_002_TABLE2 = {
    "type1_vanilla": {"test": 0.5833, "new_test": 0.5714},
    "type1_wgan-gp": {"test": 0.6398, "new_test": 0.6429},
    "type2_vanilla": {"test": "< 20%", "new_test": None},
    "type2_wgan-gp": {"test": None, "new_test": None},
}


# Better-conditioned variants of report 002's DCGAN (``ganlib.conditional``): not in the report.
CGAN_VARIANTS = ("type1_projection", "type1_acgan", "type1_vanilla_acgan")

# Other people's results on the same course lab, on the real i-CLEVR with the course's evaluator, at
# their best checkpoints (so optimistic): row name -> (test.json accuracy as they reported it, repository).
PUBLIC_ICLEVR_RESULTS = {
    "others: 4th-channel cDCGAN, 300 epochs": ("68.9%", "joycenerd/Deep_Learning_Practice_labs"),
    "others: the same + SAGAN, 300 epochs": ("77.2%", "joycenerd/Deep_Learning_Practice_labs"),
    "others: DCGAN + auxiliary classifier, WGAN-GP": ("79%", "summelon/DLP_Lab"),
    "others: SAGAN + cond. BatchNorm + multi-label hinge": (
        "83%", "leo27945875/MHingeGAN-for-multi-label-conditional-generation"),
}


def public_iclevr_rows() -> dict:
    """Other people's published results as reference rows of the cgan lab's Table 2."""
    return {name: {"published test": accuracy} for name, (accuracy, _) in PUBLIC_ICLEVR_RESULTS.items()}


def report_002(config: str, split: str) -> str:
    """Report 002's Table 2 entry as text: '58.33%', '< 20%' or '-' (not given)."""
    value = REPORT_002_TABLE2.get(config, {}).get(split)
    return "-" if value is None else value if isinstance(value, str) else f"{value:.2%}"


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
        **_training(num_epochs=80, batch_size=64, lr=0.001),
        "lr_step": Param(int, "StepLR: decay both learning rates every N iterations (500 in the report, whose "
                              "epochs were 64 iterations long)", min=1, default=1500),
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
        "inversion_lr": Param(float, "inversion learning rate (SGD 0.01 in the report)", min=0, default=0.01),
        "inversion_optimizer": Param(str, "sgd (with momentum 0.9, the report's) or adam", choices=("sgd", "adam"),
                                     default="sgd"),
        "restarts": Param(int, "random starts per inversion (the best is kept)", min=1, default=4),
        "n_scores": Param(int, "in-domain and out-of-domain images scored (PSNR, SSIM, error inside the object)", min=2, default=16),
        "out_of_domain": Param(str, "the out-of-domain set: mnist10k (digits) or a registered dataset",
                               choices=("mnist10k", "celeba", "cats", "cars"), default="mnist10k"),
        "cat_image": Param(str, "the out-of-domain photo (null: scikit-image's cat, chelsea)", optional=True,
                           path="file"),
        "sweep_coordinate": Param(int, "latent coordinate swept in the figures", min=0, default=0),
        **_run(snapshot_every=1000, checkpoint_every=1000),
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
        "image_size": Param(int, "image side in pixels (null: 32 for scenes, 64 for photos; the report: 256, "
                                 "128 with augmentation)", optional=True, choices=(32, 64, 128, 256)),
        "configs": Param(list, "generators to train and compare (the report: resnet, unet, resnet_aug)",
                         item=Param(str, choices=("resnet", "resnet_aug", "unet", "unet_aug")),
                         default=["resnet", "unet", "resnet_aug"]),
        "num_epochs": Param(int, "passes over the training images (null: 6 for scenes, 2 for photos; the report: "
                                 "30, U-Net 10)", optional=True, min=1),
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


def defaults(lab: Lab) -> dict:
    """Every parameter's default: the cpu profile."""
    return {name: param.default for name, param in lab.params.items()}


def parameters_cell(lab: Lab) -> str:
    """The notebook's ``parameters`` cell: each default, with its help as the comment."""
    import textwrap

    lines = ["# Generated from ganlib/labs.py (python -m ganlib labs --write-cells): change defaults there."]
    for name, param in lab.params.items():
        line = f"{name} = {param.default!r}"
        if len(f"{line:<30}# {param.help}") <= 110:
            lines.append(f"{line:<30}# {param.help}")
        else:
            lines += textwrap.wrap(param.help, 100, initial_indent="# ", subsequent_indent="# ") + [line]
    return "\n".join(lines)


def _parameters_cell_of(notebook):
    for cell in notebook.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    raise ParameterError("the notebook has no cell tagged 'parameters'")


def notebook_defaults(lab: Lab) -> dict:
    """The parameters cell's names and values, read without running the notebook."""
    import ast
    import nbformat

    cell = _parameters_cell_of(nbformat.read(lab.notebook, as_version=4))
    return {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}


def write_parameters_cell(lab: Lab) -> bool:
    """Rewrite the notebook's parameters cell from the declarations; True if it changed."""
    import nbformat

    notebook = nbformat.read(lab.notebook, as_version=4)
    cell = _parameters_cell_of(notebook)
    if cell.source == parameters_cell(lab):
        return False
    cell.source = parameters_cell(lab)
    nbformat.write(notebook, lab.notebook)
    return True


def load_profile(lab: Lab, profile: str) -> dict:
    import yaml

    if profile not in PROFILES:
        raise ParameterError(f"unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
    path = lab.profile_path(profile)
    if not path.exists():
        raise ParameterError(f"profile file {path} is missing")
    try:
        values = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as e:
        where = getattr(e, "problem_mark", None)
        raise ParameterError(f"profile file {path} is not valid YAML"
                             + (f" (line {where.line + 1}: {e.problem})" if where else "")) from None
    if not isinstance(values, dict):
        raise ParameterError(f"profile file {path} must hold 'name: value' lines, got {type(values).__name__}")
    return values


def validate(lab: Lab, params: dict) -> dict:
    """Check every parameter's name and value; return them with types normalised."""
    out = {}
    for name, value in params.items():
        if name not in lab.params:
            raise ParameterError(f"unknown parameter {name!r} for lab {lab.id}; valid: {', '.join(lab.params)}")
        out[name] = lab.params[name].check(name, value)
    return out


def parse_value(text: str, param: Param | None = None):
    """A -p value read as its parameter declares it. A string parameter takes the text verbatim
    (null: None), so '#', '&' or ':' in a path stay; a list is a YAML flow list ([100, 200]); a number
    or boolean is read by YAML (5, 1e-4, true). Unknown parameters (``param`` None) are read by YAML."""
    import yaml

    if param is not None and param.type is str:
        return None if text == "null" else text
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def parse_overrides(lab: Lab, pairs) -> dict:
    """``-p NAME VALUE`` pairs, each value read as its parameter declares it (``parse_value``)."""
    return {name: parse_value(text, lab.params.get(name)) for name, text in pairs}


def resolve_params(lab_id: str, profile: str, overrides: dict | None = None) -> dict:
    """The defaults, then the profile's values, then overrides; every name and value checked."""
    lab = get_lab(lab_id)
    params = {**defaults(lab), **validate(lab, load_profile(lab, profile))}
    params.update(validate(lab, overrides or {}))
    return params
