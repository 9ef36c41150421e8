#!/usr/bin/env python3
"""Reference MS-SSIM values, written from the definition of Wang, Simoncelli & Bovik (2003) on top of
scikit-image's Gaussian filter (skimage 0.19, numpy float64), independent of mmtok's code:
per channel, at scales 1..M the contrast-structure term cs_j (and at M the full SSIM), each the mean
over the map cropped by the window radius; images halved by 2×2 averaging between scales; the
result prod_j max(cs_j, 0)^w_j · max(ssim_M, 0)^w_M, averaged over channels.
Usage: make_ms_ssim_vectors.py OUT.json   (writes test/fixtures/ms-ssim.json)"""
import base64, json, sys
import numpy as np
from skimage import data
from skimage.filters import gaussian

SIGMA, TRUNCATE = 1.5, 3.5
WANG = [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]


def terms(x, y, L, sigma=SIGMA, truncate=TRUNCATE, k1=0.01, k2=0.03):
    """Mean SSIM and mean contrast-structure term of one plane, the map cropped by the window radius."""
    def blur(z):
        return gaussian(z, sigma=sigma, truncate=truncate, mode='reflect', preserve_range=True)
    radius = int(truncate * sigma + 0.5)
    c1, c2 = (k1 * L) ** 2, (k2 * L) ** 2
    ux, uy = blur(x), blur(y)
    vx, vy, vxy = blur(x * x) - ux * ux, blur(y * y) - uy * uy, blur(x * y) - ux * uy
    cs = (2 * vxy + c2) / (vx + vy + c2)
    lum = (2 * ux * uy + c1) / (ux * ux + uy * uy + c1)
    crop = (slice(radius, -radius), slice(radius, -radius))
    return (lum * cs)[crop].mean(), cs[crop].mean()


def halve(x):
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def ms_ssim(a, b, weights, L=255.0, **options):
    a = a.astype(np.float64).reshape(a.shape[0], a.shape[1], -1)
    b = b.astype(np.float64).reshape(a.shape)
    per_channel = []
    for c in range(a.shape[2]):
        x, y, v = a[:, :, c], b[:, :, c], 1.0
        for j, w in enumerate(weights):
            s, cs = terms(x, y, L, **options)
            v *= max(s if j == len(weights) - 1 else cs, 0.0) ** w
            x, y = halve(x), halve(y)
        per_channel.append(v)
    return float(np.mean(per_channel))


if __name__ == '__main__':
    rng = np.random.default_rng(11)

    def distort(img, noise, blur_sigma):
        f = gaussian(img.astype(np.float64), sigma=blur_sigma, preserve_range=True, channel_axis=-1 if img.ndim == 3 else None)
        return np.clip(np.round(f + noise * rng.standard_normal(img.shape)), 0, 255).astype(np.uint8)

    cases = []
    gray = data.camera()[100:276, 150:342]                   # 176×192: the 5 default scales fit
    rgb = data.astronaut()[30:94, 200:272]                   # 64×72×3: 3 scales
    for name, img, weights, noise, sigma in [('camera', gray, WANG, 12, 0.8), ('camera', gray, WANG, 40, 0),
                                              ('astronaut', rgb, [0.25, 0.35, 0.4], 10, 1.0)]:
        est = distort(img, noise, sigma) if sigma else np.clip(img + noise * rng.standard_normal(img.shape), 0, 255).astype(np.uint8)
        cases.append(dict(name=name, height=img.shape[0], width=img.shape[1], channels=1 if img.ndim == 2 else 3,
                          reference=base64.b64encode(img.tobytes()).decode(), estimate=base64.b64encode(est.tobytes()).decode(),
                          weights=weights, msSsim=ms_ssim(img, est, weights)))
    json.dump(dict(source='skimage 0.19 gaussian (reflect, sigma 1.5, truncate 3.5), numpy float64', cases=cases),
              open(sys.argv[1], 'w'), indent=1)
