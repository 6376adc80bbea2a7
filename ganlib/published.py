"""Numbers published elsewhere: report 002's Table 2 and other people's results on the same course
lab, shown beside this project's in the cgan lab and used by its claims."""
from __future__ import annotations


REPORT_002_TABLE2 = {
    "type1_vanilla": {"test": 0.5833, "new_test": 0.5714},
    "type1_wgan-gp": {"test": 0.6398, "new_test": 0.6429},
    "type2_vanilla": {"test": "< 20%", "new_test": None},
    "type2_wgan-gp": {"test": None, "new_test": None},
}


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
