"""Whether sampling a cgan configuration from a moving average of G's weights (an exponential
moving average, EMA) scores higher than the trained G itself: test.json and new_test.json accuracy
by the scene judge, at the end of each epoch, for the trained G and for averages of two horizons.

    python benchmarks/cgan_ema.py --config type1_vanilla_acgan --seed 999 --num-threads 1

The cgan cpu profile's settings otherwise (32 px, ngf = ndf = 16, 4 epochs, the variants at four
times their loss's rate). Each average is updated every 5 iterations with the decay per update given
by ``--decays`` (0.95 per 5 iterations is a horizon of about 100 iterations).
"""
from __future__ import annotations

import argparse

from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from ganlib import conditional, iclevr, judges, registry, train
from ganlib.labs import resolve_params
from ganlib.settings import seed_everything

EVERY = 5


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="type1_vanilla_acgan", choices=conditional.CONFIGS)
    ap.add_argument("--seed", type=int, default=999)
    ap.add_argument("--num-threads", type=int, default=1)
    ap.add_argument("--decays", type=float, nargs="+", default=[0.95, 0.98])
    a = ap.parse_args()
    p = resolve_params("cgan", "cpu", {"seed": a.seed})
    seed_everything(a.seed, a.num_threads)
    data = registry.load_images(p["dataset"], None, p["image_size"], p["max_images"])
    folder = data.folder
    conds = {split: iclevr.load_conditions(folder, split)[1] for split in ("test", "new_test")}
    judge = judges.load_iclevr_evaluator()
    eval_noise = [a.seed + 1 + k for k in range(p["eval_seeds"])]
    averages: dict[float, AveragedModel] = {}
    iters_per_epoch = train.iterations_per_epoch(len(data), p["batch_size"])

    def score(name: str, netG, iteration: int) -> None:
        accs = {split: conditional.evaluate_conditions(netG, judge, c, p["nz"], eval_noise)["mean"]
                for split, c in conds.items()}
        print(f"| {a.config} | {a.seed} | {iteration} | {name} | {accs['test']:.3f} | {accs['new_test']:.3f} |",
              flush=True)

    def on_snapshot(result) -> None:
        iteration = max(result.snapshots)
        for decay in a.decays:
            if decay not in averages:
                averages[decay] = AveragedModel(result.netG, multi_avg_fn=get_ema_multi_avg_fn(decay))
            averages[decay].update_parameters(result.netG)
        for old in [k for k in result.snapshots if k != iteration]:
            del result.snapshots[old]
        if iteration and (iteration // iters_per_epoch > (iteration - EVERY) // iters_per_epoch
                          or iteration == p["num_epochs"] * iters_per_epoch):    # the first snapshot of an epoch
            score("trained", result.netG, iteration)
            for decay, avg in averages.items():
                score(f"average {decay:g} per {EVERY}", avg.module, iteration)

    seed_everything(a.seed, a.num_threads)
    netG, netD, loss = conditional.define_cgan(a.config, p["nz"], p["ngf"], p["ndf"], p["image_size"],
                                              lambda_gp=p["lambda_gp"], aux_weight=p["aux_weight"])
    options = train.TrainOptions(nz=p["nz"], lr=p["lr"], betas=(p["beta1"], 0.999), num_epochs=p["num_epochs"],
                                 batch_size=p["batch_size"], seed=a.seed, device="cpu", snapshot_every=EVERY,
                                 fixed_condition=conds["test"], on_snapshot=on_snapshot, log_every=10 ** 6,
                                 verbose=False, fresh_noise=p["fresh_noise"])
    options = conditional.train_options(a.config, options, p["wgan_lr"], (p["wgan_beta1"], p["wgan_beta2"]),
                                        p["n_critic"], p["g_steps"], p["variant_lr_scale"])
    print("| config | seed | iteration | G | test.json | new_test.json |\n|---|---|---|---|---|---|")
    train.train_gan(netG, netD, data, loss, options)


if __name__ == "__main__":
    main()
